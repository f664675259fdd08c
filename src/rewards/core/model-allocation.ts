import { proRata } from "./fixed-point";

export type ModelClaim = {
  modelId: bigint;
  memberScore: bigint;
  nonMemberScore: bigint;
  /** The most the non-member part may receive (the paid bound). */
  nonMemberCap: bigint;
};

export type ModelAllocation = {
  modelId: bigint;
  memberReward: bigint;
  nonMemberReward: bigint;
  /** The paid bound held the non-member part below its score's share. */
  capped: boolean;
};

/**
 * Splits the budget over models ∝ M_m + N_m, except that no model's non-member part receives more
 * than its paid bound. Water-filling: a non-member part whose share exceeds its bound is fixed at
 * the bound and the rest is shared again among everything else; fixing one part only raises the
 * others' shares, so all parts over their bound are fixed at once and it ends within models + 1
 * rounds. `unshared` is what nobody could take (the caller carries it).
 */
export function allocateBudgetToModels(
  budget: bigint,
  claims: readonly ModelClaim[],
): { allocations: ModelAllocation[]; unshared: bigint } {
  const capped = new Set<bigint>();
  let remaining = budget;
  let weight = 0n;
  for (;;) {
    remaining = budget;
    weight = 0n;
    for (const c of claims) {
      weight += c.memberScore;
      if (capped.has(c.modelId)) remaining -= c.nonMemberCap;
      else weight += c.nonMemberScore;
    }
    // remaining ≥ 0: a part is only fixed at its bound when its share, part of `remaining`, exceeded it.
    const over = claims.filter(
      (c) => !capped.has(c.modelId) && c.nonMemberScore > 0n && remaining * c.nonMemberScore > c.nonMemberCap * weight,
    );
    if (over.length === 0) break;
    for (const c of over) capped.add(c.modelId);
  }
  const allocations = claims.map((c) => ({
    modelId: c.modelId,
    memberReward: proRata(remaining, c.memberScore, weight),
    nonMemberReward: capped.has(c.modelId) ? c.nonMemberCap : proRata(remaining, c.nonMemberScore, weight),
    capped: capped.has(c.modelId),
  }));
  // With no weight left, `remaining` had nobody to go to (no usage, or every part held at its bound).
  return { allocations, unshared: weight === 0n ? remaining : 0n };
}
