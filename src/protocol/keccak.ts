import { keccak256 as jsSha3Keccak256 } from "js-sha3";
import type { Hex } from "viem";

/**
 * keccak256 over bytes, for every hash the protocol computes in bulk (receipt digests, batch and
 * reward leaves, tree nodes). js-sha3 measured 3–7× faster than @noble/hashes' keccak_256 on the
 * 32–448-byte inputs hashed here (docs/benchmarks.md), and like noble it is plain JavaScript, so
 * the web page can import the protocol too. Tests check it against viem's keccak256.
 */
export function keccak256Bytes(data: Uint8Array): Uint8Array {
  // array() returns plain numbers; arrayBuffer() allocated an off-heap buffer per hash, which made
  // the garbage collector the largest cost of building a big tree.
  return new Uint8Array(jsSha3Keccak256.array(data));
}

/**
 * keccak256 of `data` as lower-case hex, what viem's keccak256 returns: for whole batch files
 * (a 256-receipt file is ~225 kB: 4.8 ms here against 18.8 ms for viem's).
 */
export function keccak256Hex(data: Uint8Array): Hex {
  return `0x${jsSha3Keccak256.hex(data)}`;
}

/**
 * keccak256 of `data` written into `out` at `offset` (32 bytes), for callers that store hashes in
 * one buffer. Bulk builders (trees) take one as a parameter, so a caller that could load a faster
 * implementation (loadWasmKeccak, on the reward pipeline's and the relayer's worker threads) passes
 * it in; this one is the default.
 */
export type Keccak256Into = (data: Uint8Array, out: Uint8Array, offset: number) => void;

export function keccak256Into(data: Uint8Array, out: Uint8Array, offset: number): void {
  out.set(jsSha3Keccak256.array(data), offset);
}

/** The two keccaks a batch needs: into a buffer (its tree) and of its whole file (its dataHash). */
export type KeccakHasher = {
  readonly into: Keccak256Into;
  file(bytes: Uint8Array): Hex;
};

/** This module's JavaScript keccak as a KeccakHasher; a worker that loaded loadWasmKeccak passes that instead. */
export const jsKeccakHasher: KeccakHasher = { into: keccak256Into, file: keccak256Hex };
