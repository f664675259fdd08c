/**
 * The largest disagreement, in seconds, between a relayer's estimate of the chain's clock and the
 * block time of the batch that commits its receipts. A relayer dates receipts from the latest block
 * time it read, advanced by a monotonic timer, so its estimate trails the chain's real clock; only
 * block-time jitter (validators' clocks) and a relayer whose chain reads lag can put a receipt
 * after its batch's block. The rewards pipeline accepts receipts dated up to this much after their
 * batch's block, and a relayer reports itself degraded when its machine clock and the chain's
 * differ by more than this (docs/protocol.md, "Clocks").
 */
export const CLOCK_SKEW_TOLERANCE_SECONDS = 300n;
