import { BPS } from "./fixed-point";

/** Retention multiplier in basis points: 1 + bonus × min(previous active epochs, max). */
export function retentionMultiplierBps(
  previousEpochsActive: number,
  retentionBonusBps: number,
  retentionMaxEpochs: number,
): bigint {
  const counted = Math.min(Math.max(previousEpochsActive, 0), retentionMaxEpochs);
  return BPS + BigInt(retentionBonusBps) * BigInt(counted);
}

/** A returning user came back on a second day of this epoch, or was seen in an earlier epoch. */
export function isReturningUser(activeDays: number, previousEpochsActive: number): boolean {
  return activeDays >= 2 || previousEpochsActive >= 1;
}
