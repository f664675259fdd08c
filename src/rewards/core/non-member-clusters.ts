import { BPS, sublinear } from "./fixed-point";
import { byString } from "./prepare-inputs";

/** A non-member identity's allocation on a model and the payer it is clustered under. */
export type NonMemberUse = { payer: string; allocation: bigint };

/**
 * N_m, the non-member score of one model (SCORE_SCALE): identities paid by one payer are summed
 * and taken sublinearly (a payer's pseudonyms are one cluster), the clusters are summed and taken
 * sublinearly again (all non-members of a model together), then weighted. Cluster-style like
 * Gitcoin's COCM: a thousand pseudonyms of one key count about like ⁴√1000 identities, never 1000.
 */
export function nonMemberScore(uses: Iterable<NonMemberUse>, weightBps: number): bigint {
  const clusters = new Map<string, bigint>();
  for (const use of uses) clusters.set(use.payer, (clusters.get(use.payer) ?? 0n) + use.allocation);
  let sum = 0n;
  // Integer sums do not depend on order; sorting keeps it obvious.
  for (const payer of [...clusters.keys()].sort(byString)) sum += sublinear(clusters.get(payer)!);
  return (sublinear(sum) * BigInt(weightBps)) / BPS;
}
