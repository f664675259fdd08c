import { type Address, type Hex, getAddress, isAddress } from "viem";
import { z } from "zod";
import {
  ATTRIBUTED_CONTENT_HASH_PATTERN,
  ATTRIBUTED_ENTRY_ID_PATTERN,
  type AttributedEntry,
  MAX_ATTRIBUTED_ENTRIES,
  attributionSchema,
} from "./attribution";
import { type InferenceReceipt, UserKind } from "./receipt";

/**
 * A receipt in JSON: uints as decimal strings, bytes as 0x hex, userKind as a number. The same
 * shape appears in API responses (`kho_receipt`) and in batch files, so one parser serves both.
 */
export type ReceiptJson = {
  requestId: Hex;
  modelId: string;
  deploymentId: string;
  communityId: string;
  userId: Hex;
  userKind: number;
  inputHash: Hex;
  outputHash: Hex;
  timestamp: string;
  epoch: string;
  fee: string;
  payer: Address;
  userAuth: Hex;
  attributionHash: Hex;
};

/**
 * `attribution`: the dataset entries the answer cited, which `attributionHash` commits to; omitted
 * when the answer cited nothing (then `attributionHash` is zero).
 */
export type SignedReceiptJson = ReceiptJson & { hash: Hex; signature: Hex; attribution?: AttributedEntry[] };

/** `kho_receipt` of a chat completion and of GET /v1/receipts: a signed receipt plus the relayer's address. */
export type KhoReceiptJson = SignedReceiptJson & { signer: Address };

/** A receipt as a relayer signed it. */
export type SignedReceipt = {
  receipt: InferenceReceipt;
  /** EIP-712 digest of `receipt` as the relayer claims it; readers that trust nothing recompute it. */
  hash: Hex;
  signature: Hex;
  /**
   * The cited entries `receipt.attributionHash` commits to, as listed beside the receipt; absent when
   * none are. Parsing checks the shape only: batch files check the hash (parseBatchFile), clients
   * with verifyReceipt.
   */
  attribution?: AttributedEntry[];
};

/** A signed receipt plus the address the relayer says signed it. */
export type KhoReceipt = SignedReceipt & { signer: Address };

/** Field order is fixed so batch files serialize deterministically. */
export function receiptToJson(r: InferenceReceipt): ReceiptJson {
  return {
    requestId: r.requestId.toLowerCase() as Hex,
    modelId: r.modelId.toString(),
    deploymentId: r.deploymentId.toString(),
    communityId: r.communityId.toString(),
    userId: r.userId.toLowerCase() as Hex,
    userKind: r.userKind,
    inputHash: r.inputHash.toLowerCase() as Hex,
    outputHash: r.outputHash.toLowerCase() as Hex,
    timestamp: r.timestamp.toString(),
    epoch: r.epoch.toString(),
    fee: r.fee.toString(),
    payer: getAddress(r.payer),
    userAuth: r.userAuth.toLowerCase() as Hex,
    attributionHash: r.attributionHash.toLowerCase() as Hex,
  };
}

/** `attribution` is written as given (a relayer passes the normalized list), and left out when empty. */
export function signedReceiptToJson(
  r: InferenceReceipt,
  hash: Hex,
  signature: Hex,
  attribution?: readonly AttributedEntry[],
): SignedReceiptJson {
  return {
    ...receiptToJson(r),
    hash: hash.toLowerCase() as Hex,
    signature: signature.toLowerCase() as Hex,
    ...(attribution !== undefined && attribution.length > 0
      ? { attribution: attribution.map((e) => ({ contentHash: e.contentHash, entryId: e.entryId })) }
      : {}),
  };
}

export const bytes32JsonSchema = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be 32-byte hex");
/** Mixed-case addresses must carry a valid EIP-55 checksum (getAddress would throw on them later). */
export const addressJsonSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "must be a 20-byte hex address")
  .refine((v) => !/^0x[0-9a-fA-F]{40}$/.test(v) || isAddress(v), "has a wrong EIP-55 checksum");
export const signatureJsonSchema = z.string().regex(/^0x[0-9a-fA-F]{130}$/, "must be a 65-byte hex signature");
/** Decimal digits are checked by the regex; a malformed string is left to its message. */
const below = (bound: bigint) => (v: string) => !/^[0-9]+$/.test(v) || BigInt(v) < bound;
/** A uint256 as a decimal string without leading zeros (at most 78 digits, so parsing stays cheap). */
export const uintJsonSchema = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,77})$/, "must be a decimal integer")
  .refine(below(2n ** 256n), "must fit in uint256");
/** uint64 fields (timestamps, epochs) cannot be hashed or sent on-chain beyond 2^64 - 1. */
export const uint64JsonSchema = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,19})$/, "must be a decimal integer")
  .refine(below(2n ** 64n), "must fit in uint64");
const bytes32 = bytes32JsonSchema;
const uint = uintJsonSchema;

export const receiptJsonSchema = z.strictObject({
  requestId: bytes32,
  modelId: uint,
  deploymentId: uint,
  communityId: uint,
  userId: bytes32,
  userKind: z.union([z.literal(UserKind.SaltedHash), z.literal(UserKind.Wallet), z.literal(UserKind.KeyOwner)]),
  inputHash: bytes32,
  outputHash: bytes32,
  timestamp: uint64JsonSchema,
  epoch: uint64JsonSchema,
  fee: uint,
  payer: addressJsonSchema,
  userAuth: bytes32,
  attributionHash: bytes32,
});

type ValidReceiptJson = z.output<typeof receiptJsonSchema>;

function toReceipt(r: ValidReceiptJson, payer: Address = getAddress(r.payer)): InferenceReceipt {
  return {
    requestId: r.requestId.toLowerCase() as Hex,
    modelId: BigInt(r.modelId),
    deploymentId: BigInt(r.deploymentId),
    communityId: BigInt(r.communityId),
    userId: r.userId.toLowerCase() as Hex,
    userKind: r.userKind,
    inputHash: r.inputHash.toLowerCase() as Hex,
    outputHash: r.outputHash.toLowerCase() as Hex,
    timestamp: BigInt(r.timestamp),
    epoch: BigInt(r.epoch),
    fee: BigInt(r.fee),
    payer,
    userAuth: r.userAuth.toLowerCase() as Hex,
    attributionHash: r.attributionHash.toLowerCase() as Hex,
  };
}

/** Validates and converts a receipt JSON object; throws a ZodError naming the bad field. */
export function receiptFromJson(json: unknown): InferenceReceipt {
  return toReceipt(receiptJsonSchema.parse(json));
}

/**
 * The receipt fields, then the EIP-712 digest, the relayer's signature and the cited entries
 * (batch files, kho_receipt). An empty list is never written: no list is the one way to cite nothing.
 */
export const signedReceiptJsonSchema = receiptJsonSchema.extend({
  hash: bytes32JsonSchema,
  signature: signatureJsonSchema,
  attribution: attributionSchema.min(1, "must be omitted when the answer cites nothing").optional(),
});
export const khoReceiptJsonSchema = signedReceiptJsonSchema.extend({ signer: addressJsonSchema });

/** Validates and converts in one pass (batch files hold thousands of receipts). */
export const signedReceiptSchema = signedReceiptJsonSchema.transform(
  ({ hash, signature, attribution, ...fields }): SignedReceipt => ({
    receipt: toReceipt(fields),
    hash: hash.toLowerCase() as Hex,
    signature: signature.toLowerCase() as Hex,
    ...(attribution === undefined ? {} : { attribution }),
  }),
);
export const khoReceiptSchema = khoReceiptJsonSchema.transform(
  ({ signer, hash, signature, attribution, ...fields }): KhoReceipt => ({
    receipt: toReceipt(fields),
    hash: hash.toLowerCase() as Hex,
    signature: signature.toLowerCase() as Hex,
    ...(attribution === undefined ? {} : { attribution }),
    signer: getAddress(signer),
  }),
);

/** Validates and converts a signed receipt JSON object; throws a ZodError naming the bad field. */
export function signedReceiptFromJson(json: unknown): SignedReceipt {
  return signedReceiptSchema.parse(json);
}

/** Validates and converts a `kho_receipt` object; the signer comes back checksummed. */
export function khoReceiptFromJson(json: unknown): KhoReceipt {
  return khoReceiptSchema.parse(json);
}

/** Keys every signed receipt has; `attribution` may come on top. */
const SIGNED_RECEIPT_REQUIRED_KEYS = Object.keys(signedReceiptJsonSchema.shape).length - 1;
const BYTES32_RE = /^0x[0-9a-fA-F]{64}$/;
const UINT_RE = /^(0|[1-9][0-9]{0,77})$/;
const UINT64_RE = /^(0|[1-9][0-9]{0,19})$/;
const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;

/**
 * Whether `value` is spelled as a 20-byte hex address, in any case. A shape check only: where
 * addresses are compared lower-case (the reward core's members and payers), a checksum (one keccak
 * each, for a hundred thousand members or a million receipts' payers) would be thrown away.
 */
export function isAddressShape(value: unknown): value is string {
  return typeof value === "string" && ADDRESS_RE.test(value);
}

const SIGNATURE_RE = /^0x[0-9a-fA-F]{130}$/;
const MAX_UINT64 = 2n ** 64n - 1n;
const MAX_UINT256 = 2n ** 256n - 1n;

const isBytes32 = (v: unknown): v is string => typeof v === "string" && BYTES32_RE.test(v);
const isUint = (v: unknown): v is string => typeof v === "string" && UINT_RE.test(v) && BigInt(v) <= MAX_UINT256;
const isUint64 = (v: unknown): v is string => typeof v === "string" && UINT64_RE.test(v) && BigInt(v) <= MAX_UINT64;

// Batch files name few payers many times; viem's own cache of checksums cost more than the rest of a receipt.
const checksums = new Map<string, Address>();
function checksummed(address: string): Address {
  let hit = checksums.get(address);
  if (hit === undefined) {
    hit = getAddress(address);
    if (checksums.size >= 4096) checksums.clear();
    checksums.set(address, hit);
  }
  return hit;
}

/** The `attribution` list as signedReceiptJsonSchema would return it when certainly valid, else null. */
export function attributionFromJsonFast(value: unknown): AttributedEntry[] | null {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_ATTRIBUTED_ENTRIES) return null;
  const entries: AttributedEntry[] = [];
  for (const entry of value as unknown[]) {
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) return null;
    const e = entry as Record<string, unknown>;
    let keys = 0;
    for (const key in e) {
      if (!Object.prototype.hasOwnProperty.call(e, key)) return null;
      keys++;
    }
    const { contentHash, entryId } = e;
    if (
      keys !== 2 ||
      typeof contentHash !== "string" ||
      !ATTRIBUTED_CONTENT_HASH_PATTERN.test(contentHash) ||
      typeof entryId !== "string" ||
      !ATTRIBUTED_ENTRY_ID_PATTERN.test(entryId)
    )
      return null;
    entries.push({ contentHash: contentHash as Hex, entryId });
  }
  return entries;
}

/**
 * signedReceiptSchema's result for `json` when it is certainly valid, else null (then the schema
 * must run, and names the problem). It accepts a subset of what the schema accepts (a mixed-case
 * payer only when checksummed exactly as getAddress writes it) and converts the same way, so a
 * caller that falls back to the schema on null gets the schema's answer every time; it is ~10×
 * cheaper, which matters for a million receipts (docs/benchmarks.md, rewards-epoch).
 */
export function signedReceiptFromJsonFast(json: unknown): SignedReceipt | null {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return null;
  const r = json as Record<string, unknown>;
  let keys = 0;
  for (const key in r) {
    if (!Object.prototype.hasOwnProperty.call(r, key)) return null;
    keys++;
  }
  const { userKind, payer } = r;
  const cited = r.attribution !== undefined;
  if (keys !== SIGNED_RECEIPT_REQUIRED_KEYS + (cited ? 1 : 0)) return null;
  if (
    !isBytes32(r.requestId) ||
    !isUint(r.modelId) ||
    !isUint(r.deploymentId) ||
    !isUint(r.communityId) ||
    !isBytes32(r.userId) ||
    (userKind !== UserKind.SaltedHash && userKind !== UserKind.Wallet && userKind !== UserKind.KeyOwner) ||
    !isBytes32(r.inputHash) ||
    !isBytes32(r.outputHash) ||
    !isUint64(r.timestamp) ||
    !isUint64(r.epoch) ||
    !isUint(r.fee) ||
    !isAddressShape(payer) ||
    !isBytes32(r.userAuth) ||
    !isBytes32(r.attributionHash) ||
    !isBytes32(r.hash) ||
    typeof r.signature !== "string" ||
    !SIGNATURE_RE.test(r.signature)
  )
    return null;
  const checksum = checksummed(payer);
  if (payer !== checksum && payer !== payer.toLowerCase()) return null;
  const attribution = cited ? attributionFromJsonFast(r.attribution) : undefined;
  if (attribution === null) return null;
  return {
    receipt: toReceipt(r as unknown as ValidReceiptJson, checksum),
    hash: (r.hash as string).toLowerCase() as Hex,
    signature: r.signature.toLowerCase() as Hex,
    ...(attribution === undefined ? {} : { attribution }),
  };
}
