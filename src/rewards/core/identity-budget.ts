import { minBigint, proRata } from "./fixed-point";
import type { RewardParams } from "./params";
import { retentionPoints } from "./retention";

/** One identity's use of one model. */
export type IdentityUse = {
  modelId: bigint;
  identityKey: string;
  /** Day indexes it was active on the model. */
  days: Iterable<number>;
  /** Earlier epochs it used the model in. */
  previousEpochs: number;
  /** Its retention points on this model alone. */
  points: bigint;
};

export function useKey(modelId: bigint, identityKey: string): string {
  return `${modelId}|${identityKey}`;
}

/**
 * One budget per identity across all models, like voting credits: the identity's points summed
 * over models, but never more than its retention points counted once over everything it did
 * (distinct days on any model, its longest history with any model); divided among the models in
 * proportion to its points on each. Using ten models on the same days gives the same budget as
 * using one, so spreading activity never adds; no budget passes identityCap (every day of the
 * epoch and every counted earlier epoch). Returns (model, identity) → allocation, SCORE_SCALE.
 */
export function allocateIdentityBudgets(
  uses: Iterable<IdentityUse>,
  params: Pick<RewardParams, "oneOffBps" | "retentionEpochBps" | "retentionMaxEpochs">,
): Map<string, bigint> {
  const identities = new Map<string, { days: Set<number>; previousEpochs: number; points: bigint }>();
  const list: IdentityUse[] = [];
  for (const use of uses) {
    list.push(use);
    const identity = identities.get(use.identityKey) ?? { days: new Set<number>(), previousEpochs: 0, points: 0n };
    for (const day of use.days) identity.days.add(day);
    identity.previousEpochs = Math.max(identity.previousEpochs, use.previousEpochs);
    identity.points += use.points;
    identities.set(use.identityKey, identity);
  }
  const budgets = new Map(
    [...identities].map(([key, i]) => [
      key,
      minBigint(i.points, retentionPoints(i.days.size, i.previousEpochs, params)),
    ]),
  );
  const allocations = new Map<string, bigint>();
  for (const use of list) {
    const identity = identities.get(use.identityKey)!;
    allocations.set(
      useKey(use.modelId, use.identityKey),
      proRata(budgets.get(use.identityKey)!, use.points, identity.points),
    );
  }
  return allocations;
}
