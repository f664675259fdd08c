import { BPS, SCORE_SCALE } from "./fixed-point";
import type { RewardParams } from "./params";

type RetentionParams = Pick<RewardParams, "oneOffBps" | "retentionEpochBps" | "retentionMaxEpochs">;

/**
 * What one identity's use of one model is worth before its budget is applied (SCORE_SCALE):
 * one point per active day (calls within a day never add), plus retentionEpochBps per earlier
 * epoch it used the model (up to retentionMaxEpochs). An identity seen on a single day with no
 * earlier epoch is a one-off visitor and counts only oneOffBps of a day.
 */
export function retentionPoints(activeDays: number, previousEpochsActive: number, params: RetentionParams): bigint {
  const epochs = BigInt(Math.min(Math.max(previousEpochsActive, 0), params.retentionMaxEpochs));
  if (activeDays <= 1 && epochs === 0n) return activeDays === 1 ? (BigInt(params.oneOffBps) * SCORE_SCALE) / BPS : 0n;
  return ((BigInt(activeDays) * BPS + BigInt(params.retentionEpochBps) * epochs) * SCORE_SCALE) / BPS;
}

/**
 * The most one identity can count in an epoch, across all models: every day of the epoch and every
 * counted earlier epoch. Sized to the epoch, so an identity active every day reaches it.
 */
export function identityCap(
  epochLength: bigint,
  params: RetentionParams & Pick<RewardParams, "dayLengthSeconds">,
): bigint {
  const dayLength = BigInt(params.dayLengthSeconds);
  const days = (epochLength + dayLength - 1n) / dayLength;
  return ((days * BPS + BigInt(params.retentionEpochBps) * BigInt(params.retentionMaxEpochs)) * SCORE_SCALE) / BPS;
}

/** A returning user came back on a second day of this epoch, or was seen in an earlier epoch. */
export function isReturningUser(activeDays: number, previousEpochsActive: number): boolean {
  return activeDays >= 2 || previousEpochsActive >= 1;
}
