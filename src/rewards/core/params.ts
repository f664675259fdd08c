import { z } from "zod";
import { describeZodIssue } from "../../protocol/zod-issue";
import { RewardsInputError } from "./errors";

const bps = z.number().int().min(0).max(10_000);
const tokenUnits = z.union([z.bigint().min(0n), z.string().regex(/^\d{1,78}$/, "must be a decimal wei amount")]);

/** Every tunable of the formula; docs/rewards.md explains each default. */
export const rewardParamsSchema = z
  .strictObject({
    /** Share of each model's reward paid to its builder, in basis points. */
    builderShareBps: bps.default(5_000),
    /** Share paid to the operators of the deployments that served the model's usage. */
    operatorShareBps: bps.default(2_000),
    /** Share paid to stakers of the model's datasets. The three shares must sum to 10 000. */
    stakerShareBps: bps.default(3_000),
    /** Length of a "day" counted from epochStart: an identity scores one point per active day. */
    dayLengthSeconds: z.number().int().min(1).max(31_536_000).default(86_400),
    /** What an identity seen on one day only, with no earlier epoch, counts, in basis points of a day. */
    oneOffBps: bps.default(1_000),
    /** Points per earlier epoch (of the last retentionMaxEpochs) the identity used the model, in bps of a day. */
    retentionEpochBps: bps.default(10_000),
    /** How many previous epochs retention looks back, and the cap on counted epochs. */
    retentionMaxEpochs: z.number().int().min(0).max(1_000).default(5),
    /** Weight of the clustered non-member score of a model against member scores. */
    nonMemberWeightBps: bps.default(2_500),
    /**
     * The most a model's non-member usage can earn, in basis points of the protocol fees that usage
     * paid. Must stay below 10 000 so that paying fees to farm rewards never returns the fees.
     */
    paidRewardCapBps: z.number().int().min(0).max(9_999).default(5_000),
    /** A staker's stake counts only while it is at least this many token units (wei). */
    minEffectiveStake: tokenUnits.default(100n * 10n ** 18n),
    /**
     * The contributor pool: share of a model's reward paid to the contributors of the entries its
     * answers cited, scaled by the share of its counted usage those answers were (taken before the role split).
     */
    contributorShareBps: bps.default(1_000),
  })
  .refine((p) => p.builderShareBps + p.operatorShareBps + p.stakerShareBps === 10_000, {
    message: "builderShareBps + operatorShareBps + stakerShareBps must equal 10000",
  });

export type RewardParamsInput = z.input<typeof rewardParamsSchema>;
export type RewardParams = Omit<z.output<typeof rewardParamsSchema>, "minEffectiveStake"> & {
  minEffectiveStake: bigint;
};

export const defaultRewardParams: RewardParams = {
  builderShareBps: 5_000,
  operatorShareBps: 2_000,
  stakerShareBps: 3_000,
  dayLengthSeconds: 86_400,
  oneOffBps: 1_000,
  retentionEpochBps: 10_000,
  retentionMaxEpochs: 5,
  nonMemberWeightBps: 2_500,
  paidRewardCapBps: 5_000,
  minEffectiveStake: 100n * 10n ** 18n,
  contributorShareBps: 1_000,
};

/** Fills defaults and validates; throws RewardsInputError naming the first bad field. */
export function resolveRewardParams(input: RewardParamsInput): RewardParams {
  const parsed = rewardParamsSchema.safeParse(input);
  if (!parsed.success) {
    throw new RewardsInputError(`Invalid reward params: ${describeZodIssue(parsed.error)}.`, { cause: parsed.error });
  }
  return { ...parsed.data, minEffectiveStake: BigInt(parsed.data.minEffectiveStake) };
}
