import type { UserUsage } from "./aggregate-usage";
import type { CreditedEntry } from "./dataset-entries";
import { BPS, SCORE_SCALE, proRata } from "./fixed-point";
import { byString } from "./prepare-inputs";

/** One credited entry's standing on one model: the weighted usage of the answers that cited it. */
export type EntryScore = { entry: CreditedEntry; usageScore: bigint; users: number };

export type ModelEntryScores = {
  /** Σ over users of their weight: the model's whole counted usage (what R_m was earned by). */
  weightedUsage: bigint;
  /** Σ of the entries' usage scores: the part of that usage built on credited entries. */
  attributedUsage: bigint;
  /** Ascending entry key. */
  entries: EntryScore[];
};

/**
 * Scores a model's credited entries with the same per-user weights as its operators: a user's weight
 * (retention points within one identity budget; non-members clustered, weighted and 0 on a free
 * model; self-usage 0) times the share of its calls whose answers cited the entry. An entry's
 * contributor using it (as the user or the payer), or a contributor who is the model's builder or an
 * operator, counts zero: nobody is paid for their own use of their own entry.
 */
export function scoreModelEntries(
  weights: readonly { usage: UserUsage; weight: bigint }[],
  selfAddresses: ReadonlySet<string>,
): ModelEntryScores {
  let weightedUsage = 0n;
  const scores = new Map<string, EntryScore>();
  for (const { usage, weight } of weights) {
    weightedUsage += weight;
    if (weight === 0n) continue;
    for (const [key, { entry, units }] of usage.citations) {
      const own =
        entry.contributor === usage.identity.address ||
        usage.payers.has(entry.contributor) ||
        selfAddresses.has(entry.contributor);
      if (own) continue;
      const score = scores.get(key) ?? { entry, usageScore: 0n, users: 0 };
      score.usageScore += (weight * units) / (SCORE_SCALE * BigInt(usage.calls));
      score.users++;
      scores.set(key, score);
    }
  }
  const entries = [...scores.keys()].sort(byString).map((key) => scores.get(key)!);
  const attributedUsage = entries.reduce((sum, e) => sum + e.usageScore, 0n);
  return { weightedUsage, attributedUsage, entries };
}

/**
 * C_m = R_m × contributorShareBps × attributedUsage / weightedUsage: the contributor pool takes its
 * share of a model's reward only for the usage that answers built on credited entries earned, so a
 * model without attribution keeps its whole reward for its roles and nobody is paid for citing.
 */
export function contributorPart(reward: bigint, scores: ModelEntryScores, contributorShareBps: number): bigint {
  if (scores.weightedUsage === 0n) return 0n;
  return (reward * BigInt(contributorShareBps) * scores.attributedUsage) / (BPS * scores.weightedUsage);
}

/** The contributor part over the entries ∝ their usage scores (floors carried as rounding). */
export function distributeContributorPart(part: bigint, scores: ModelEntryScores): bigint[] {
  return scores.entries.map((e) => proRata(part, e.usageScore, scores.attributedUsage));
}
