import type { Address, Hex } from "viem";
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
  userAuth: Hex;
};

export type SignedReceiptJson = ReceiptJson & { hash: Hex; signature: Hex };

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
    userAuth: r.userAuth.toLowerCase() as Hex,
  };
}

export function signedReceiptToJson(r: InferenceReceipt, hash: Hex, signature: Hex): SignedReceiptJson {
  return { ...receiptToJson(r), hash: hash.toLowerCase() as Hex, signature: signature.toLowerCase() as Hex };
}

const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "expected 32-byte hex");
const uint = z.string().regex(/^(0|[1-9]\d{0,77})$/, "expected a decimal integer");

export const receiptJsonSchema = z.strictObject({
  requestId: bytes32,
  modelId: uint,
  deploymentId: uint,
  communityId: uint,
  userId: bytes32,
  userKind: z.union([z.literal(UserKind.SaltedHash), z.literal(UserKind.Wallet), z.literal(UserKind.KeyOwner)]),
  inputHash: bytes32,
  outputHash: bytes32,
  timestamp: uint,
  epoch: uint,
  fee: uint,
  userAuth: bytes32,
});

/** Validates and converts a receipt JSON object; throws a ZodError naming the bad field. */
export function receiptFromJson(json: unknown): InferenceReceipt {
  const r = receiptJsonSchema.parse(json);
  return {
    requestId: r.requestId as Hex,
    modelId: BigInt(r.modelId),
    deploymentId: BigInt(r.deploymentId),
    communityId: BigInt(r.communityId),
    userId: r.userId as Hex,
    userKind: r.userKind,
    inputHash: r.inputHash as Hex,
    outputHash: r.outputHash as Hex,
    timestamp: BigInt(r.timestamp),
    epoch: BigInt(r.epoch),
    fee: BigInt(r.fee),
    userAuth: r.userAuth as Hex,
  };
}

export type KhoReceiptJson = SignedReceiptJson & { signer: Address };
