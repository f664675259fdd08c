import { dayScore } from "./daily-saturation";
import { BPS, SCORE_SCALE, minBigint, sqrtScaled } from "./fixed-point";
import type { RewardParams } from "./params";
import { retentionMultiplierBps } from "./retention";

export type UserScoreParts = {
  /** Σ day scores. */
  activity: bigint;
  /** sqrt(activity): concave, so spreading activity over many users beats piling it on one. */
  base: bigint;
  /** base × retention multiplier, then capped per identity. */
  capped: bigint;
  /** capped × identity weight: the user's contribution to U_m. */
  score: bigint;
};

/**
 * One identity's score on one model. `dailyCalls` are the user's call counts per active day.
 * Everything is SCORE_SCALE fixed point and floors, in this exact order (docs/rewards.md).
 */
export function userScore(
  dailyCalls: Iterable<number>,
  previousEpochsActive: number,
  weightBps: bigint,
  params: Pick<RewardParams, "saturationBonusBps" | "retentionBonusBps" | "retentionMaxEpochs" | "identityCapBps">,
): UserScoreParts {
  let activity = 0n;
  for (const calls of dailyCalls) activity += dayScore(calls, params.saturationBonusBps);
  const base = sqrtScaled(activity);
  const retained =
    (base * retentionMultiplierBps(previousEpochsActive, params.retentionBonusBps, params.retentionMaxEpochs)) / BPS;
  const capped = minBigint(retained, (BigInt(params.identityCapBps) * SCORE_SCALE) / BPS);
  return { activity, base, capped, score: (capped * weightBps) / BPS };
}
