import { type Address, type Hex, hexToBytes } from "viem";
import { keccak256Bytes } from "../../protocol/keccak";

/**
 * Indexes of the receipts of a batch of `count` to check: every one when the batch is no larger
 * than the sample, else `perBatch` draws from keccak256(seed ‖ relayer ‖ batchId ‖ draw), sorted
 * and without repeats. Anyone with the chain gets the same indexes.
 */
export function sampleIndexes(seed: Hex, relayer: Address, batchId: bigint, count: number, perBatch: number): number[] {
  if (count <= perBatch) return Array.from({ length: count }, (_, i) => i);
  const input = new Uint8Array(32 + 20 + 32 + 4);
  input.set(hexToBytes(seed), 0);
  input.set(hexToBytes(relayer), 32);
  const view = new DataView(input.buffer);
  view.setBigUint64(32 + 20 + 24, batchId);
  const picked = new Set<number>();
  for (let draw = 0; draw < perBatch; draw++) {
    view.setUint32(32 + 20 + 32, draw);
    const digest = new DataView(keccak256Bytes(input).buffer);
    // 48 bits of the digest modulo a count below 2^32: the bias is under 2^-16.
    const value = digest.getUint32(0) * 0x10000 + digest.getUint16(4);
    picked.add(value % count);
  }
  return [...picked].sort((a, b) => a - b);
}
