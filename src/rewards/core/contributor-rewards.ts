import type { UserUsage } from "./aggregate-usage";
import type { CreditedEntry } from "./dataset-entries";
import { BPS, SCORE_SCALE, proRata } from "./fixed-point";
import { byString } from "./prepare-inputs";

/** One user's weight on a model (as its operators see it) and whether it counted as a member. */
export type UserWeight = { usage: UserUsage; weight: bigint; member: boolean };

/** One credited entry's standing on one model: the weighted usage of the answers that cited it. */
export type EntryScore = { entry: CreditedEntry; memberScore: bigint; nonMemberScore: bigint; users: number };

export type ModelEntryScores = {
  /** Σ of the members' and of the non-members' weights: the usage each part of R_m was earned by. */
  memberUsage: bigint;
  nonMemberUsage: bigint;
  /** Σ of the entries' member and non-member scores: the part of that usage built on credited entries. */
  attributedMember: bigint;
  attributedNonMember: bigint;
  /** Ascending entry key. */
  entries: EntryScore[];
};

export const emptyEntryScores: ModelEntryScores = {
  memberUsage: 0n,
  nonMemberUsage: 0n,
  attributedMember: 0n,
  attributedNonMember: 0n,
  entries: [],
};

/**
 * Scores a model's credited entries with the same per-user weights as its operators: a user's weight
 * (retention points within one identity budget; non-members weighted and 0 on a free model;
 * self-usage 0) times the share of its calls whose answers cited the entry, members and non-members
 * apart because they earned different parts of the model's reward. An entry's contributor using it
 * (as the user or the payer), or a contributor who is the model's builder or an operator, counts
 * zero: nobody is paid for their own use of their own entry.
 */
export function scoreModelEntries(
  weights: readonly UserWeight[],
  selfAddresses: ReadonlySet<string>,
): ModelEntryScores {
  const result = { ...emptyEntryScores };
  const scores = new Map<string, EntryScore>();
  for (const { usage, weight, member } of weights) {
    if (member) result.memberUsage += weight;
    else result.nonMemberUsage += weight;
    if (weight === 0n) continue;
    for (const [key, { entry, units }] of usage.citations) {
      const own =
        entry.contributor === usage.identity.address ||
        usage.payers.has(entry.contributor) ||
        selfAddresses.has(entry.contributor);
      if (own) continue;
      const score = scores.get(key) ?? { entry, memberScore: 0n, nonMemberScore: 0n, users: 0 };
      const cited = (weight * units) / (SCORE_SCALE * BigInt(usage.calls));
      if (member) score.memberScore += cited;
      else score.nonMemberScore += cited;
      score.users++;
      scores.set(key, score);
    }
  }
  result.entries = [...scores.keys()].sort(byString).map((key) => scores.get(key)!);
  for (const e of result.entries) {
    result.attributedMember += e.memberScore;
    result.attributedNonMember += e.nonMemberScore;
  }
  return result;
}

export type ContributorPart = { member: bigint; nonMember: bigint; total: bigint };

/**
 * C_m, per part of the model's reward: contributorShareBps × memberReward × (member usage built on
 * credited entries / all member usage), and the same for the non-member part. So the pool takes its
 * share only of what answers built on credited entries earned; a model without attribution keeps its
 * whole reward for its roles; and what non-member usage brings a contributor is held, with the
 * non-member part itself, to the fees that usage paid.
 */
export function contributorPart(
  reward: { memberReward: bigint; nonMemberReward: bigint },
  scores: ModelEntryScores,
  contributorShareBps: number,
): ContributorPart {
  const bps = BigInt(contributorShareBps);
  const member = proRata((reward.memberReward * bps) / BPS, scores.attributedMember, scores.memberUsage);
  const nonMember = proRata((reward.nonMemberReward * bps) / BPS, scores.attributedNonMember, scores.nonMemberUsage);
  return { member, nonMember, total: member + nonMember };
}

/** Each entry's income: both parts ∝ its member and non-member scores (floors carried as rounding). */
export function distributeContributorPart(part: ContributorPart, scores: ModelEntryScores): bigint[] {
  return scores.entries.map(
    (e) =>
      proRata(part.member, e.memberScore, scores.attributedMember) +
      proRata(part.nonMember, e.nonMemberScore, scores.attributedNonMember),
  );
}

/** An entry's usage score on a model, both parts. */
export function entryUsageScore(e: EntryScore): bigint {
  return e.memberScore + e.nonMemberScore;
}
