import { type Address, type Hex, isAddressEqual } from "viem";
import {
  type BatchFile,
  BatchFileError,
  type BatchFileHeader,
  batchTree,
  batchTreeFromBytes,
  parseBatchFile,
} from "../../protocol/batch-file";
import { type LedgerDomain, hashReceipt } from "../../protocol/receipt";
import { readBatchFileColumns } from "./batch-file-columns";
import { type ReceiptColumns, packReceipts } from "./receipt-columns";
import { sampleIndexes } from "./sample-indexes";
import type { KeccakHasher } from "../../protocol/keccak";

/** What the chain says about a batch: the fields its file must match. */
export type CommittedBatch = {
  relayer: Address;
  batchId: bigint;
  epoch: bigint;
  root: Hex;
  count: number;
  dataHash: Hex;
};

export type CheckBatchFileParameters = {
  bytes: Uint8Array;
  batch: CommittedBatch;
  domain: LedgerDomain;
  /**
   * `full`: every receipt's hash is recomputed from its fields and the root over those hashes.
   * `sampled`: the root over the file's own hashes, and the hashes of the seeded sample only.
   */
  check: { mode: "full" } | { mode: "sampled"; seed: Hex; perBatch: number };
};

/** Signatures the caller recovers (on its signature pool) and compares with the batch's relayer. */
export type SignatureToRecover = { hash: Hex; signature: Hex };

export type CheckBatchFileReturnType =
  | { ok: false; reason: string }
  | {
      ok: true;
      columns: ReceiptColumns;
      /** Full: every receipt with its recomputed hash, in file order. Sampled: the sampled receipts as filed. */
      signatures: SignatureToRecover[];
      /** Sampled: whether every sampled receipt's hash is its fields' hash. Full: true. */
      sampleHashesMatch: boolean;
    };

function headerMismatch(
  file: BatchFileHeader,
  count: number,
  batch: CommittedBatch,
  domain: LedgerDomain,
): string | null {
  if (file.chainId !== BigInt(domain.chainId)) return "chain id";
  if (!isAddressEqual(file.ledger, domain.ledger)) return "ledger";
  if (!isAddressEqual(file.relayer, batch.relayer)) return "relayer";
  if (file.batchId !== batch.batchId) return "batch id";
  if (file.epoch !== batch.epoch) return "epoch";
  if (count !== batch.count) return "receipt count";
  return null;
}

const ROOT_MISMATCH = { ok: false, reason: "recomputed Merkle root differs from the on-chain root" } as const;

/**
 * Everything about one batch file that needs only the file and its on-chain commitment: the bytes
 * hash to the committed dataHash, the file parses, its header is the committed batch's, and the
 * root over its receipt hashes (recomputed, or the file's own when sampled) is the committed root.
 * Runs on a worker thread (batch-check-pool.ts) with that thread's WebAssembly keccak; a failed check is a
 * reason, never a throw.
 */
export function checkBatchFile(parameters: CheckBatchFileParameters, keccak: KeccakHasher): CheckBatchFileReturnType {
  const { bytes, batch, domain, check } = parameters;
  if (keccak.file(bytes) !== batch.dataHash.toLowerCase())
    return { ok: false, reason: "file bytes do not hash to the on-chain dataHash" };
  // Sampled mode reads a file written as relayers write it straight into columns (no receipt
  // objects, hashes kept as bytes); full mode, and any file that reader is unsure of, takes
  // parseBatchFile, which gives the same columns and names what is wrong.
  const read = check.mode === "sampled" ? readBatchFileColumns(bytes) : null;
  if (read !== null && check.mode === "sampled") {
    const header = headerMismatch(read.header, read.columns.count, batch, domain);
    if (header !== null) return headerDiffers(header);
    // The relayer committed these bytes; the root it committed must be the tree of their hashes.
    if (batchTreeFromBytes(read.hashes, keccak.into).root !== batch.root.toLowerCase()) return ROOT_MISMATCH;
    const picks = sampleIndexes(check.seed, batch.relayer, batch.batchId, read.columns.count, check.perBatch);
    const sampled = picks.map((i) => read.signedReceipt(i));
    return {
      ok: true,
      columns: read.columns,
      signatures: sampled.map((r) => ({ hash: r.hash, signature: r.signature })),
      sampleHashesMatch: sampled.every((r) => hashReceipt(r.receipt, domain) === r.hash),
    };
  }
  let file: BatchFile;
  try {
    file = parseBatchFile(bytes);
  } catch (error) {
    if (!(error instanceof BatchFileError)) throw error;
    return { ok: false, reason: `malformed batch file: ${error.reason}` };
  }
  const header = headerMismatch(file, file.receipts.length, batch, domain);
  if (header !== null) return headerDiffers(header);
  if (check.mode === "sampled") {
    if (
      batchTree(
        file.receipts.map((r) => r.hash),
        keccak.into,
      ).root !== batch.root.toLowerCase()
    )
      return ROOT_MISMATCH;
    const picks = sampleIndexes(check.seed, batch.relayer, batch.batchId, file.receipts.length, check.perBatch);
    return {
      ok: true,
      columns: packReceipts(file.receipts),
      signatures: picks.map((i) => ({ hash: file.receipts[i]!.hash, signature: file.receipts[i]!.signature })),
      sampleHashesMatch: picks.every((i) => hashReceipt(file.receipts[i]!.receipt, domain) === file.receipts[i]!.hash),
    };
  }
  const recomputed = file.receipts.map((r) => hashReceipt(r.receipt, domain));
  if (batchTree(recomputed, keccak.into).root !== batch.root.toLowerCase()) return ROOT_MISMATCH;
  return {
    ok: true,
    columns: packReceipts(file.receipts),
    signatures: file.receipts.map((r, i) => ({ hash: recomputed[i]!, signature: r.signature })),
    sampleHashesMatch: true,
  };
}

function headerDiffers(field: string): CheckBatchFileReturnType {
  return { ok: false, reason: `the file's ${field} differs from the on-chain batch` };
}
