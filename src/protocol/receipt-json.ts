import { type Address, type Hex, getAddress, isAddress } from "viem";
import { z } from "zod";
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
};

export type SignedReceiptJson = ReceiptJson & { hash: Hex; signature: Hex };

/** `kho_receipt` of a chat completion and of GET /v1/receipts: a signed receipt plus the relayer's address. */
export type KhoReceiptJson = SignedReceiptJson & { signer: Address };

/** A receipt as a relayer signed it. */
export type SignedReceipt = {
  receipt: InferenceReceipt;
  /** EIP-712 digest of `receipt` as the relayer claims it; readers that trust nothing recompute it. */
  hash: Hex;
  signature: Hex;
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
  };
}

export function signedReceiptToJson(r: InferenceReceipt, hash: Hex, signature: Hex): SignedReceiptJson {
  return { ...receiptToJson(r), hash: hash.toLowerCase() as Hex, signature: signature.toLowerCase() as Hex };
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
});

type ValidReceiptJson = z.output<typeof receiptJsonSchema>;

function toReceipt(r: ValidReceiptJson): InferenceReceipt {
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
    payer: getAddress(r.payer),
    userAuth: r.userAuth.toLowerCase() as Hex,
  };
}

/** Validates and converts a receipt JSON object; throws a ZodError naming the bad field. */
export function receiptFromJson(json: unknown): InferenceReceipt {
  return toReceipt(receiptJsonSchema.parse(json));
}

/** The receipt fields, then the EIP-712 digest and the relayer's signature (batch files, kho_receipt). */
export const signedReceiptJsonSchema = receiptJsonSchema.extend({
  hash: bytes32JsonSchema,
  signature: signatureJsonSchema,
});
export const khoReceiptJsonSchema = signedReceiptJsonSchema.extend({ signer: addressJsonSchema });

/** Validates and converts in one pass (batch files hold thousands of receipts). */
export const signedReceiptSchema = signedReceiptJsonSchema.transform(
  ({ hash, signature, ...fields }): SignedReceipt => ({
    receipt: toReceipt(fields),
    hash: hash.toLowerCase() as Hex,
    signature: signature.toLowerCase() as Hex,
  }),
);
export const khoReceiptSchema = khoReceiptJsonSchema.transform(
  ({ signer, hash, signature, ...fields }): KhoReceipt => ({
    receipt: toReceipt(fields),
    hash: hash.toLowerCase() as Hex,
    signature: signature.toLowerCase() as Hex,
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
