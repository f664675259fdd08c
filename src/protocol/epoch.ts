/** The epoch clock every part shares: UsageLedger's genesis timestamp and epoch length. */
export type EpochClock = { genesis: bigint; length: bigint };

export function epochAt(clock: EpochClock, timestamp: bigint): bigint {
  if (timestamp < clock.genesis) throw new RangeError(`timestamp ${timestamp} is before genesis ${clock.genesis}`);
  return (timestamp - clock.genesis) / clock.length;
}

export function epochStart(clock: EpochClock, epoch: bigint): bigint {
  return clock.genesis + epoch * clock.length;
}

export function epochEnd(clock: EpochClock, epoch: bigint): bigint {
  return epochStart(clock, epoch + 1n);
}
