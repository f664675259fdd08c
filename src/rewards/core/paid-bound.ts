import { BPS } from "./fixed-point";

export type PaidBound = {
  /** The fees' protocol part: fees × protocolFeeBps, floored. */
  protocolFees: bigint;
  /** paidRewardCapBps of the protocol part: the most the usage that paid these fees may earn. */
  cap: bigint;
};

/**
 * What non-member usage of a model may earn at most. The protocol part of a fee is what leaves the
 * payer for good (the operator's part returns to an operator who farms its own model), so paying
 * to farm returns at most paidRewardCapBps < 10 000 of its real cost.
 */
export function paidBound(fees: bigint, protocolFeeBps: number, paidRewardCapBps: number): PaidBound {
  const protocolFees = (fees * BigInt(protocolFeeBps)) / BPS;
  return { protocolFees, cap: (protocolFees * BigInt(paidRewardCapBps)) / BPS };
}
