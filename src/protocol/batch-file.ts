import { type Address, type Hex, getAddress } from "viem";
import { z } from "zod";
import { type MerkleTree, batchLeafBytes, buildMerkleTree } from "./merkle";
import {
  type SignedReceipt,
  type SignedReceiptJson,
  addressJsonSchema,
  bytes32JsonSchema,
  signedReceiptJsonSchema,
  signedReceiptSchema,
  signedReceiptToJson,
  uint64JsonSchema,
  uintJsonSchema,
} from "./receipt-json";
import { describeZodIssue } from "./zod-issue";
import { KhoError } from "./errors";

/** A batch file (docs/protocol.md "Batch file") with integers as bigint and addresses checksummed. */
export type BatchFile = {
  version: 1;
  chainId: bigint;
  ledger: Address;
  relayer: Address;
  batchId: bigint;
  epoch: bigint;
  root: Hex;
  receipts: SignedReceipt[];
};

/**
 * What a relayer commits on-chain for one batch file: the arguments of `UsageLedger.submitBatch`
 * and the fields of `BatchSubmitted` (docs/protocol.md "Batches").
 */
export type BatchCommitment = {
  relayer: Address;
  batchId: bigint;
  epoch: bigint;
  root: Hex;
  count: number;
  dataURI: string;
  /** keccak256 of the batch file bytes. */
  dataHash: Hex;
};

/** The JSON object as written, keys in this order. */
export type BatchFileJson = {
  version: 1;
  chainId: string;
  ledger: Address;
  relayer: Address;
  batchId: string;
  epoch: string;
  root: Hex;
  receipts: SignedReceiptJson[];
};

export const batchFileJsonSchema = z.strictObject({
  version: z.literal(1),
  chainId: uintJsonSchema,
  ledger: addressJsonSchema,
  relayer: addressJsonSchema,
  batchId: uintJsonSchema,
  epoch: uint64JsonSchema,
  root: bytes32JsonSchema,
  receipts: z.array(signedReceiptJsonSchema).min(1, "must hold at least one receipt"),
});

/** batchFileJsonSchema converting as it validates: integers to bigint, addresses checksummed, hex lowercase. */
export const batchFileSchema = batchFileJsonSchema
  .extend({ receipts: z.array(signedReceiptSchema).min(1, "must hold at least one receipt") })
  .transform((f): BatchFile => ({
    version: f.version,
    chainId: BigInt(f.chainId),
    ledger: getAddress(f.ledger),
    relayer: getAddress(f.relayer),
    batchId: BigInt(f.batchId),
    epoch: BigInt(f.epoch),
    root: f.root.toLowerCase() as Hex,
    receipts: f.receipts,
  }));

export class BatchFileError extends KhoError {
  override name = "BatchFileError";
  readonly code = "batch_file_invalid";
  /** What is wrong, without the sentence around it, e.g. `receipts.0.fee must fit in uint256`. */
  readonly reason: string;
  constructor(action: "Invalid batch file" | "Cannot write batch file", reason: string, options?: { cause?: unknown }) {
    super(`${action}: ${reason}.`, options);
    this.reason = reason;
  }
}

/** The batch tree over receipt hashes; its root is the on-chain batch root. Input order does not matter. */
export function batchTree(receiptHashes: readonly Hex[]): MerkleTree {
  return buildMerkleTree(receiptHashes.map((h) => batchLeafBytes(h)));
}

export type SerializeBatchFileParameters = {
  chainId: number | bigint;
  ledger: Address;
  relayer: Address;
  batchId: bigint;
  epoch: bigint;
  /** The batch tree root over the receipts (see batchTree). */
  root: Hex;
  receipts: readonly SignedReceipt[];
};
export type SerializeBatchFileReturnType = { json: BatchFileJson; bytes: Uint8Array };
export type SerializeBatchFileErrorType = BatchFileError;

function compareHashes(a: SignedReceipt, b: SignedReceipt): number {
  const x = a.hash.toLowerCase();
  const y = b.hash.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The bytes a relayer commits with `dataHash = keccak256(bytes)`. Receipts are sorted by hash and
 * every object is built in a fixed key order, so the same receipts always give the same bytes. The
 * result is checked against the schema readers use, so a writer can never emit a file they reject.
 */
export function serializeBatchFile(parameters: SerializeBatchFileParameters): SerializeBatchFileReturnType {
  const { epoch } = parameters;
  const sorted = [...parameters.receipts].sort(compareHashes);
  const wrongEpoch = sorted.find((r) => r.receipt.epoch !== epoch);
  if (wrongEpoch !== undefined) {
    throw new BatchFileError(
      "Cannot write batch file",
      `receipt ${wrongEpoch.hash} is of epoch ${wrongEpoch.receipt.epoch}, not ${epoch}`,
    );
  }
  let json: BatchFileJson;
  try {
    json = {
      version: 1,
      chainId: BigInt(parameters.chainId).toString(),
      ledger: getAddress(parameters.ledger),
      relayer: getAddress(parameters.relayer),
      batchId: parameters.batchId.toString(),
      epoch: epoch.toString(),
      root: parameters.root.toLowerCase() as Hex,
      receipts: sorted.map((r) => signedReceiptToJson(r.receipt, r.hash, r.signature)),
    };
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message.split("\n")[0]! : String(cause);
    throw new BatchFileError("Cannot write batch file", reason, { cause });
  }
  const checked = batchFileJsonSchema.safeParse(json);
  if (!checked.success) {
    throw new BatchFileError("Cannot write batch file", describeZodIssue(checked.error), { cause: checked.error });
  }
  return { json, bytes: new TextEncoder().encode(JSON.stringify(json)) };
}

export type ParseBatchFileParameters = Uint8Array | string;
export type ParseBatchFileReturnType = BatchFile;
export type ParseBatchFileErrorType = BatchFileError;

/**
 * Reads a batch file's bytes (or text). Only the format is checked: whether the hashes, root,
 * signatures and epochs are true is for the reader to decide against the chain.
 */
export function parseBatchFile(input: ParseBatchFileParameters): ParseBatchFileReturnType {
  let value: unknown;
  try {
    const text = typeof input === "string" ? input : new TextDecoder("utf-8", { fatal: true }).decode(input);
    value = JSON.parse(text);
  } catch (cause) {
    throw new BatchFileError("Invalid batch file", "not UTF-8 JSON", { cause });
  }
  const parsed = batchFileSchema.safeParse(value);
  if (!parsed.success) {
    throw new BatchFileError("Invalid batch file", describeZodIssue(parsed.error), { cause: parsed.error });
  }
  return parsed.data;
}
