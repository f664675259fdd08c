import { type Address, type Hex, getAddress, keccak256 } from "viem";
import { type MerkleTree, batchLeafBytes, buildMerkleTree } from "../../protocol";
import { type SignedReceiptJson, signedReceiptToJson } from "../../protocol/receipt-json";
import type { StoredReceipt } from "../store";

export type BatchFile = {
  version: 1;
  chainId: string;
  ledger: Address;
  relayer: Address;
  batchId: string;
  epoch: string;
  root: Hex;
  receipts: SignedReceiptJson[];
};

export type BuiltBatch = { root: Hex; tree: MerkleTree; file: BatchFile; bytes: Uint8Array; dataHash: Hex };

export type BuildBatchParameters = {
  chainId: number | bigint;
  ledger: Address;
  relayer: Address;
  batchId: bigint;
  epoch: bigint;
  receipts: readonly Pick<StoredReceipt, "receipt" | "hash" | "signature">[];
};

export function batchTree(receiptHashes: readonly Hex[]): MerkleTree {
  return buildMerkleTree(receiptHashes.map((h) => batchLeafBytes(h)));
}

/**
 * The batch file of docs/protocol.md. Receipts are sorted by hash and every object is built in a
 * fixed key order, so the same receipts always give the same bytes (and the same dataHash).
 * Integers are decimal strings (uint64/uint256 do not fit JSON numbers), userKind a number.
 */
export function buildBatch(params: BuildBatchParameters): BuiltBatch {
  if (params.receipts.length === 0) throw new RangeError("a batch needs at least one receipt");
  const sorted = [...params.receipts].sort((a, b) => {
    const x = a.hash.toLowerCase();
    const y = b.hash.toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  });
  for (const r of sorted) {
    if (r.receipt.epoch !== params.epoch)
      throw new RangeError(`receipt ${r.hash} is of epoch ${r.receipt.epoch}, not ${params.epoch}`);
  }
  const tree = batchTree(sorted.map((r) => r.hash));
  const file: BatchFile = {
    version: 1,
    chainId: BigInt(params.chainId).toString(),
    ledger: getAddress(params.ledger),
    relayer: getAddress(params.relayer),
    batchId: params.batchId.toString(),
    epoch: params.epoch.toString(),
    root: tree.root,
    receipts: sorted.map((r) => signedReceiptToJson(r.receipt, r.hash, r.signature)),
  };
  const bytes = new TextEncoder().encode(JSON.stringify(file));
  return { root: tree.root, tree, file, bytes, dataHash: keccak256(bytes) };
}
