import { type Address, type Hex, getAddress } from "viem";
import { z } from "zod";
import { attributionHash, isNormalizedAttribution } from "./attribution";
import { type MerkleTree, batchLeafBytes, batchLeafInto, buildMerkleTree } from "./merkle";
import { type Keccak256Into, keccak256Into } from "./keccak";
import {
  type SignedReceipt,
  type SignedReceiptJson,
  addressJsonSchema,
  bytes32JsonSchema,
  signedReceiptJsonSchema,
  signedReceiptFromJsonFast,
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
  settlement: BatchSettlement;
};

/** One payer's total fees in a batch (FeeEscrow.PayerCharge). */
export type PayerCharge = { payer: Address; amount: bigint };
/** One serving operator's total fees in a batch, before the protocol share (FeeEscrow.OperatorCredit). */
export type OperatorCredit = { operator: Address; amount: bigint };
/**
 * The money a batch moves in FeeEscrow.settleBatch: Σ fee per payer and Σ fee per serving
 * deployment's operator, each sorted by address, zero totals left out (so a free batch has none).
 */
export type BatchSettlement = { charges: PayerCharge[]; credits: OperatorCredit[] };

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
  settlement: BatchSettlementJson;
};

export type BatchSettlementJson = {
  charges: { payer: Address; amount: string }[];
  credits: { operator: Address; amount: string }[];
};

const batchSettlementJsonSchema = z.strictObject({
  charges: z.array(z.strictObject({ payer: addressJsonSchema, amount: uintJsonSchema })),
  credits: z.array(z.strictObject({ operator: addressJsonSchema, amount: uintJsonSchema })),
});

export const batchFileJsonSchema = z.strictObject({
  version: z.literal(1),
  chainId: uintJsonSchema,
  ledger: addressJsonSchema,
  relayer: addressJsonSchema,
  batchId: uintJsonSchema,
  epoch: uint64JsonSchema,
  root: bytes32JsonSchema,
  receipts: z.array(signedReceiptJsonSchema).min(1, "must hold at least one receipt"),
  settlement: batchSettlementJsonSchema,
});

type BatchFileHeaderJson = Omit<z.output<typeof batchFileJsonSchema>, "receipts">;

/** A batch file without its receipts: what a reader that takes the receipts its own way needs. */
export type BatchFileHeader = Omit<BatchFile, "receipts">;

function toBatchFileHeader(f: BatchFileHeaderJson): BatchFileHeader {
  return {
    version: f.version,
    chainId: BigInt(f.chainId),
    ledger: getAddress(f.ledger),
    relayer: getAddress(f.relayer),
    batchId: BigInt(f.batchId),
    epoch: BigInt(f.epoch),
    root: f.root.toLowerCase() as Hex,
    settlement: {
      charges: f.settlement.charges.map((c) => ({ payer: getAddress(c.payer), amount: BigInt(c.amount) })),
      credits: f.settlement.credits.map((c) => ({ operator: getAddress(c.operator), amount: BigInt(c.amount) })),
    },
  };
}

function toBatchFile(f: BatchFileHeaderJson, receipts: SignedReceipt[]): BatchFile {
  return { ...toBatchFileHeader(f), receipts };
}

/** batchFileJsonSchema converting as it validates: integers to bigint, addresses checksummed, hex lowercase. */
export const batchFileSchema = batchFileJsonSchema
  .extend({ receipts: z.array(signedReceiptSchema).min(1, "must hold at least one receipt") })
  .transform((f): BatchFile => toBatchFile(f, f.receipts));

/** The batch file schema without looking into the receipts (signedReceiptFromJsonFast does). */
const batchFileHeaderSchema = batchFileJsonSchema.extend({
  receipts: z.array(z.unknown()).min(1, "must hold at least one receipt"),
});

/**
 * The header and settlement of a batch file's JSON as parseBatchFile converts them, or null when the
 * schema rejects them; `receipts` must be a non-empty array but is not looked into (the caller reads
 * the receipts itself, and must check attributions and the settlement as parseBatchFile does).
 */
export function batchFileHeaderFromJson(value: unknown): BatchFileHeader | null {
  const header = batchFileHeaderSchema.safeParse(value);
  return header.success ? toBatchFileHeader(header.data) : null;
}

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

/**
 * The batch tree over receipt hashes; its root is the on-chain batch root. Input order does not
 * matter. `keccak` replaces the default implementation (the same hashes, faster where it can load).
 */
export function batchTree(receiptHashes: readonly Hex[], keccak: Keccak256Into = keccak256Into): MerkleTree {
  return buildMerkleTree(
    receiptHashes.map((h) => batchLeafBytes(h, keccak)),
    keccak,
  );
}

/**
 * batchTree over receipt hashes given as bytes, 32 a hash back to back: a reader that decodes the
 * hashes once (the reward pipeline's columnar batch reader) skips a hex string and its decoding per leaf.
 */
export function batchTreeFromBytes(receiptHashes: Uint8Array, keccak: Keccak256Into = keccak256Into): MerkleTree {
  if (receiptHashes.length % 32 !== 0) throw new RangeError("receipt hashes must be 32 bytes each");
  const leaves = new Uint8Array(receiptHashes.length);
  for (let at = 0; at < receiptHashes.length; at += 32)
    batchLeafInto(receiptHashes.subarray(at, at + 32), leaves, at, keccak);
  return buildMerkleTree(
    Array.from({ length: leaves.length / 32 }, (_, i) => leaves.subarray(32 * i, 32 * i + 32)),
    keccak,
  );
}

function compareAddresses(a: Address, b: Address): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

function sumsByAddress(entries: readonly { address: Address; amount: bigint }[]): [Address, bigint][] {
  // Summed by the address as written, then checksummed once per distinct spelling: a batch names
  // few payers thousands of times, and checksumming each entry cost more than parsing it.
  const bySpelling = new Map<string, bigint>();
  for (const { address, amount } of entries) {
    if (amount !== 0n) bySpelling.set(address, (bySpelling.get(address) ?? 0n) + amount);
  }
  const sums = new Map<Address, bigint>();
  for (const [address, amount] of bySpelling) {
    const key = getAddress(address);
    sums.set(key, (sums.get(key) ?? 0n) + amount);
  }
  return [...sums.entries()].sort(([a], [b]) => compareAddresses(a, b));
}

/** Σ fee per payer over the receipts, sorted by payer, payers who owe nothing left out. */
export function batchCharges(receipts: readonly SignedReceipt[]): PayerCharge[] {
  return payerCharges(receipts.map((r) => ({ payer: r.receipt.payer, fee: r.receipt.fee })));
}

/** batchCharges over (payer, fee) pairs; a payer may come several times (its fees are summed). */
export function payerCharges(fees: readonly { payer: Address; fee: bigint }[]): PayerCharge[] {
  return sumsByAddress(fees.map((f) => ({ address: f.payer, amount: f.fee }))).map(([payer, amount]) => ({
    payer,
    amount,
  }));
}

/**
 * The settlement of a batch. `operators` maps a deployment id to its operator; it must name the
 * deployment of every receipt with a fee (free receipts credit nobody).
 */
export function batchSettlement(
  receipts: readonly SignedReceipt[],
  operators: ReadonlyMap<bigint, Address>,
): BatchSettlement {
  const credited = receipts.map((r) => {
    const operator = operators.get(r.receipt.deploymentId);
    if (operator === undefined && r.receipt.fee !== 0n) {
      throw new BatchFileError(
        "Cannot write batch file",
        `receipt ${r.hash} has a fee but no operator is known for deployment ${r.receipt.deploymentId}`,
      );
    }
    return { address: operator ?? r.receipt.payer, amount: r.receipt.fee };
  });
  return {
    charges: batchCharges(receipts),
    credits: sumsByAddress(credited).map(([operator, amount]) => ({ operator, amount })),
  };
}

/**
 * Why a receipt's `attribution` list is not what its signed `attributionHash` commits to, or null.
 * The list must be the normalized one (one receipt, one way to write it) and hash to the field;
 * no list must go with the zero hash, which attributionHash([]) is.
 */
export function attributionMismatch(
  receipts: readonly (Pick<SignedReceipt, "hash" | "attribution"> & { receipt: { attributionHash: Hex } })[],
): string | null {
  for (const { receipt, hash, attribution = [] } of receipts) {
    if (!isNormalizedAttribution(attribution)) {
      return `receipt ${hash} lists its attribution out of order or with repeats (sort by content hash, then entry id)`;
    }
    const listed = attributionHash(attribution);
    if (listed !== receipt.attributionHash.toLowerCase()) {
      return `receipt ${hash} lists an attribution hashing to ${listed}, not its signed attributionHash ${receipt.attributionHash}`;
    }
  }
  return null;
}

/**
 * Why a settlement does not follow from its receipts' charges (batchCharges), or null. Charges are
 * recomputed exactly; credits name operators the receipts do not (that takes the registry), so they
 * are checked for order, positive amounts and a total equal to the charges'.
 */
export function settlementMismatch(expected: readonly PayerCharge[], settlement: BatchSettlement): string | null {
  const charges = settlement.charges;
  if (
    charges.length !== expected.length ||
    charges.some((c, i) => c.payer !== expected[i]!.payer || c.amount !== expected[i]!.amount)
  ) {
    return "settlement.charges are not the receipts' fees summed per payer and sorted by payer";
  }
  const credits = settlement.credits;
  for (let i = 0; i < credits.length; i++) {
    if (credits[i]!.amount === 0n) return `settlement.credits.${i} has a zero amount`;
    if (i > 0 && compareAddresses(credits[i - 1]!.operator, credits[i]!.operator) >= 0) {
      return "settlement.credits are not sorted by operator without repeats";
    }
  }
  const charged = charges.reduce((sum, c) => sum + c.amount, 0n);
  const credited = credits.reduce((sum, c) => sum + c.amount, 0n);
  if (charged !== credited) return `settlement credits ${credited} but charges ${charged}`;
  return null;
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
  /** Operator of each paid receipt's deployment (see batchSettlement); may be omitted when every fee is 0. */
  operators?: ReadonlyMap<bigint, Address>;
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
  const settlement = batchSettlement(sorted, parameters.operators ?? new Map());
  try {
    json = {
      version: 1,
      chainId: BigInt(parameters.chainId).toString(),
      ledger: getAddress(parameters.ledger),
      relayer: getAddress(parameters.relayer),
      batchId: parameters.batchId.toString(),
      epoch: epoch.toString(),
      root: parameters.root.toLowerCase() as Hex,
      receipts: sorted.map((r) => signedReceiptToJson(r.receipt, r.hash, r.signature, r.attribution)),
      settlement: {
        charges: settlement.charges.map((c) => ({ payer: c.payer, amount: c.amount.toString() })),
        credits: settlement.credits.map((c) => ({ operator: c.operator, amount: c.amount.toString() })),
      },
    };
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message.split("\n")[0]! : String(cause);
    throw new BatchFileError("Cannot write batch file", reason, { cause });
  }
  // The fast reader accepts only what the schema accepts; the schema runs (and names the problem)
  // when it does not. The schema alone cost ~11 µs a receipt, most of a build's time apart from
  // hashing.
  if (parseBatchFileFast(json) === null) {
    const checked = batchFileJsonSchema.safeParse(json);
    if (!checked.success) {
      throw new BatchFileError("Cannot write batch file", describeZodIssue(checked.error), { cause: checked.error });
    }
  }
  const mismatch = attributionMismatch(sorted);
  if (mismatch !== null) throw new BatchFileError("Cannot write batch file", mismatch);
  return { json, bytes: new TextEncoder().encode(JSON.stringify(json)) };
}

/**
 * The batch file when the header passes the schema and every receipt passes
 * signedReceiptFromJsonFast, else null (the whole schema then runs and names the problem). The
 * full schema spends ~25 µs per receipt: ~25 s of a million-receipt epoch.
 */
function parseBatchFileFast(value: unknown): BatchFile | null {
  const header = batchFileHeaderSchema.safeParse(value);
  if (!header.success) return null;
  const receipts: SignedReceipt[] = [];
  for (const json of header.data.receipts) {
    const receipt = signedReceiptFromJsonFast(json);
    if (receipt === null) return null;
    receipts.push(receipt);
  }
  return toBatchFile(header.data, receipts);
}

export type ParseBatchFileParameters = Uint8Array | string;
export type ParseBatchFileReturnType = BatchFile;
export type ParseBatchFileErrorType = BatchFileError;

/**
 * Reads a batch file's bytes (or text). The format is checked, every receipt's attribution list
 * against its attributionHash (attributionMismatch), and the settlement against the receipts
 * (settlementMismatch); whether the hashes, root, signatures, epochs and operators are
 * true is for the reader to decide against the chain.
 */
export function parseBatchFile(input: ParseBatchFileParameters): ParseBatchFileReturnType {
  let value: unknown;
  try {
    const text = typeof input === "string" ? input : new TextDecoder("utf-8", { fatal: true }).decode(input);
    value = JSON.parse(text);
  } catch (cause) {
    throw new BatchFileError("Invalid batch file", "not UTF-8 JSON", { cause });
  }
  let file = parseBatchFileFast(value);
  if (file === null) {
    const parsed = batchFileSchema.safeParse(value);
    if (!parsed.success) {
      throw new BatchFileError("Invalid batch file", describeZodIssue(parsed.error), { cause: parsed.error });
    }
    file = parsed.data;
  }
  const mismatch =
    attributionMismatch(file.receipts) ?? settlementMismatch(batchCharges(file.receipts), file.settlement);
  if (mismatch !== null) throw new BatchFileError("Invalid batch file", mismatch);
  return file;
}
