import { type Address, type Hex, keccak256 } from "viem";
import { type BatchFileJson, type MerkleTree, batchTree, serializeBatchFile } from "../../protocol";
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

/** A batch ready to commit: its tree (for proofs), the file bytes of docs/protocol.md and their dataHash. */
export function buildBatch(params: BuildBatchParameters): BuiltBatch {
  if (params.receipts.length === 0) throw new RangeError("a batch needs at least one receipt");
  const tree = batchTree(params.receipts.map((r) => r.hash));
  const { json, bytes } = serializeBatchFile({ ...params, root: tree.root });
  return { root: tree.root, tree, file: json, bytes, dataHash: keccak256(bytes) };
}
