import { BPS, SCORE_SCALE } from "./fixed-point";

/**
 * Score of one user's `calls` on one model on one day: 1 + α·(1 − 1/c), SCORE_SCALE fixed point.
 * The first call is worth 1; every further call that day adds less, and the day can never be worth
 * more than 1 + α, so volume within a day saturates.
 */
export function dayScore(calls: number, saturationBonusBps: number): bigint {
  if (!Number.isSafeInteger(calls) || calls < 1) throw new RangeError("a day score needs at least one call");
  const c = BigInt(calls);
  return SCORE_SCALE + (BigInt(saturationBonusBps) * (SCORE_SCALE - SCORE_SCALE / c)) / BPS;
}
