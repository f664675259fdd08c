import type { ProtocolFeeEvent } from "./chain-history";

/**
 * FeeEscrow's protocol fee share (bps) just before `before`: the last ProtocolFeeSet in chain order
 * (the constructor emits one, so every deployment with a FeeEscrow has a value). 0 before any:
 * without an escrow no fee was settled, so no part of one funded the protocol.
 */
export function protocolFeeSnapshot(events: readonly ProtocolFeeEvent[], before: bigint): number {
  let bps = 0n;
  for (const e of events) if (e.timestamp < before) bps = e.bps;
  return Number(bps);
}
