import type { Address, Hex } from "viem";
import {
  type BatchFileJson,
  type BatchSettlement,
  type MerkleTree,
  batchTree,
  parseBatchFile,
  serializeBatchFile,
} from "../../protocol";
import { type KeccakHasher, jsKeccakHasher } from "../../protocol/keccak";
import type { StoredReceipt } from "../store";

export type BuiltBatch = { root: Hex; tree: MerkleTree; file: BatchFileJson; bytes: Uint8Array; dataHash: Hex };

export type BuildBatchParameters = {
  chainId: number | bigint;
  ledger: Address;
  relayer: Address;
  batchId: bigint;
  epoch: bigint;
  /** Each with the entries its attributionHash commits to (written beside it in the file). */
  receipts: readonly Pick<StoredReceipt, "receipt" | "hash" | "signature" | "attribution">[];
  /** Operator of each paid receipt's deployment (the settlement credits it). */
  operators?: ReadonlyMap<bigint, Address>;
};

/**
 * A batch ready to commit: its tree (for proofs), the file bytes of docs/protocol.md and their
 * dataHash. The batch builder's worker passes its WebAssembly keccak (loadWasmKeccak).
 */
export function buildBatch(params: BuildBatchParameters, keccak: KeccakHasher = jsKeccakHasher): BuiltBatch {
  if (params.receipts.length === 0) throw new RangeError("a batch needs at least one receipt");
  const tree = batchTree(
    params.receipts.map((r) => r.hash),
    keccak.into,
  );
  const { json, bytes } = serializeBatchFile({ ...params, root: tree.root });
  return { root: tree.root, tree, file: json, bytes, dataHash: keccak.file(bytes) };
}

/** The charges and credits a stored batch file settles (what FeeEscrow.settleBatch is sent). */
export function batchFileSettlement(bytes: Uint8Array): BatchSettlement {
  return parseBatchFile(bytes).settlement;
}
