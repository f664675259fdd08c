import { minBigint, proRata } from "./fixed-point";

/** One identity's retention points on one model. */
export type IdentityUse = { modelId: bigint; identityKey: string; points: bigint };

export function useKey(modelId: bigint, identityKey: string): string {
  return `${modelId}|${identityKey}`;
}

/**
 * One budget per identity across all models, like voting credits: an identity's budget is
 * min(Σ its points over models, cap), divided among the models in proportion to its points on
 * each. Spreading the same activity over more models therefore never adds to what it counts.
 * Returns (model, identity) → allocation, SCORE_SCALE fixed point.
 */
export function allocateIdentityBudgets(uses: Iterable<IdentityUse>, cap: bigint): Map<string, bigint> {
  const totals = new Map<string, bigint>();
  const list: IdentityUse[] = [];
  for (const use of uses) {
    list.push(use);
    totals.set(use.identityKey, (totals.get(use.identityKey) ?? 0n) + use.points);
  }
  const allocations = new Map<string, bigint>();
  for (const use of list) {
    const total = totals.get(use.identityKey)!;
    allocations.set(useKey(use.modelId, use.identityKey), proRata(minBigint(total, cap), use.points, total));
  }
  return allocations;
}
