import type { Hex } from "viem";
import type { UserKind } from "../../protocol/receipt";
import { userIdentity } from "../core/identity";
import type { RetentionRecord } from "../core/types";
import type { ReceiptStore } from "./receipt-store";

/** (model, identity) pairs active in one epoch, with one (userId, userKind) that names each identity. */
export type EpochActivity = Map<string, { modelId: bigint; userId: Hex; userKind: UserKind }>;

export function epochActivity(store: ReceiptStore): EpochActivity {
  const activity: EpochActivity = new Map();
  for (const r of store.receipts()) {
    const key = `${r.modelId}|${userIdentity(r.userId, r.userKind).key}`;
    if (!activity.has(key)) activity.set(key, { modelId: r.modelId, userId: r.userId, userKind: r.userKind });
  }
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
