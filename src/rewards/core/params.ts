import { type Address, getAddress, isAddress } from "viem";
import { z } from "zod";
import { describeZodIssue } from "../../protocol/zod-issue";
import { RewardsInputError } from "./errors";

const bps = z.number().int().min(0).max(10_000);

/** Every tunable of the formula; docs/rewards.md explains each default. */
export const rewardParamsSchema = z
  .strictObject({
    /** Share of the budget paid to model builders, in basis points. */
    builderShareBps: bps.default(5_000),
    /** Share paid to deployment operators. */
    operatorShareBps: bps.default(2_000),
    /** Share paid to dataset stakers. The three shares must sum to 10 000. */
    stakerShareBps: bps.default(3_000),
    /** Weight of users who are not attested members of the model's community (pseudonyms included). */
    nonMemberWeightBps: bps.default(2_500),
    /** Length of a "day" for saturation, counted from epochStart. */
    dayLengthSeconds: z.number().int().min(1).max(31_536_000).default(86_400),
    /** α: extra weight that many calls on one day can add over a single call (score 1 + α(1 − 1/c)). */
    saturationBonusBps: bps.default(2_500),
    /** Score bonus per previous epoch (of the last retentionMaxEpochs) the user was active in. */
    retentionBonusBps: bps.default(1_000),
    /** How many previous epochs retention looks back, and the cap on counted epochs. */
    retentionMaxEpochs: z.number().int().min(0).max(1_000).default(5),
    /** Cap on one identity's score on one model, in basis points of a single call's score (1.0). */
    identityCapBps: z.number().int().min(1).max(100_000_000).default(60_000),
    /** Receives rounding dust and staker shares nobody can claim. */
    dustRecipient: z.string().refine((a) => isAddress(a, { strict: false }), "must be a 20-byte hex address"),
  })
  .refine((p) => p.builderShareBps + p.operatorShareBps + p.stakerShareBps === 10_000, {
    message: "builderShareBps + operatorShareBps + stakerShareBps must equal 10000",
  });

export type RewardParamsInput = z.input<typeof rewardParamsSchema>;
export type RewardParams = Omit<z.output<typeof rewardParamsSchema>, "dustRecipient"> & { dustRecipient: Address };

export const defaultRewardParams: Omit<RewardParams, "dustRecipient"> = {
  builderShareBps: 5_000,
  operatorShareBps: 2_000,
  stakerShareBps: 3_000,
  nonMemberWeightBps: 2_500,
  dayLengthSeconds: 86_400,
  saturationBonusBps: 2_500,
  retentionBonusBps: 1_000,
  retentionMaxEpochs: 5,
  identityCapBps: 60_000,
};

/** Fills defaults and validates; throws RewardsInputError naming the first bad field. */
export function resolveRewardParams(input: RewardParamsInput): RewardParams {
  const parsed = rewardParamsSchema.safeParse(input);
  if (!parsed.success) {
    throw new RewardsInputError(`Invalid reward params: ${describeZodIssue(parsed.error)}.`, { cause: parsed.error });
  }
  return { ...parsed.data, dustRecipient: getAddress(parsed.data.dustRecipient) };
}
