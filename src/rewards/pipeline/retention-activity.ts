import type { Hex } from "viem";
import { z } from "zod";
import type { UserKind } from "../../protocol/receipt";
import type { EpochUsage } from "../core";
import { userIdentity } from "../core/identity";
import type { RetentionRecord } from "../core/types";
import { RewardsPipelineError } from "./errors";

/** (model, identity) pairs active in one epoch, with one (userId, userKind) that names each identity. */
export type EpochActivity = Map<string, { modelId: bigint; userId: Hex; userKind: UserKind }>;

/** The epoch's (model, identity) pairs, from the usage its receipts were counted into. */
export function epochActivity(usage: EpochUsage): EpochActivity {
  const activity: EpochActivity = new Map();
  for (const { modelId, identityKey, userId, userKind } of usage.activity())
    activity.set(`${modelId}|${identityKey}`, { modelId, userId, userKind });
  return activity;
}

/** The calculator's retention input: in how many of the given previous epochs each pair was active. */
export function retentionHistory(previous: readonly EpochActivity[]): RetentionRecord[] {
  const counts = new Map<string, RetentionRecord>();
  for (const activity of previous) {
    for (const [key, pair] of activity) {
      const record = counts.get(key);
      if (record) record.epochsActive++;
      else counts.set(key, { ...pair, epochsActive: 1 });
    }
  }
  return [...counts.values()];
}

/** activity.json in an epoch's output directory (docs/rewards.md, "Retention history"). */
const EPOCH_ACTIVITY_VERSION = 1;

/**
 * The epoch's activity as canonical JSON: one `[modelId, userId, userKind]` per (model, identity)
 * pair, sorted by its key, so the same receipts always give the same bytes.
 */
export function serializeEpochActivity(epoch: bigint, activity: EpochActivity): string {
  const pairs = [...activity.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, p]) => `[${JSON.stringify(p.modelId.toString())},${JSON.stringify(p.userId)},${p.userKind}]`);
  return `{"epoch":"${epoch}","pairs":[${pairs.join(",")}],"version":${EPOCH_ACTIVITY_VERSION}}\n`;
}

const activityFileSchema = z.strictObject({
  epoch: z.string().regex(/^(0|[1-9][0-9]*)$/),
  pairs: z.array(
    z.tuple([z.string().regex(/^(0|[1-9][0-9]*)$/), z.string().regex(/^0x[0-9a-fA-F]{64}$/), z.number().int()]),
  ),
  version: z.literal(EPOCH_ACTIVITY_VERSION),
});

/** Reads an activity.json; throws a RewardsPipelineError when it is malformed or of another epoch. */
export function parseEpochActivity(text: string, epoch: bigint): EpochActivity {
  let parsed: z.output<typeof activityFileSchema>;
  try {
    parsed = activityFileSchema.parse(JSON.parse(text));
  } catch (cause) {
    throw new RewardsPipelineError(`The activity file of epoch ${epoch} is malformed.`, { cause });
  }
  if (BigInt(parsed.epoch) !== epoch)
    throw new RewardsPipelineError(`The activity file of epoch ${epoch} names epoch ${parsed.epoch}.`);
  const activity: EpochActivity = new Map();
  for (const [model, userId, userKind] of parsed.pairs) {
    const modelId = BigInt(model);
    let key: string;
    try {
      key = `${modelId}|${userIdentity(userId as Hex, userKind).key}`;
    } catch (cause) {
      throw new RewardsPipelineError(`The activity file of epoch ${epoch} names an invalid user ${userId}.`, { cause });
    }
    if (!activity.has(key)) activity.set(key, { modelId, userId: userId as Hex, userKind: userKind as UserKind });
  }
  return activity;
}
