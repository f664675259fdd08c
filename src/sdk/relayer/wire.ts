import type { Address, Hex } from "viem";
import { getAddress } from "viem";
import { z } from "zod";
import { type InferenceReceipt, receiptFromJson, receiptJsonSchema } from "../../protocol";

/**
 * The relayer's JSON shapes (docs/protocol.md, src/relayer/routes): integers as decimal strings,
 * bytes as 0x hex. Parsed into protocol types so callers get bigints and checksummed addresses.
 * Response envelopes are parsed loosely (a newer relayer may add fields); receipts strictly.
 */

const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be 32-byte hex");
const signature = z.string().regex(/^0x[0-9a-fA-F]{130}$/, "must be a 65-byte hex signature");
const uint = z.string().regex(/^(0|[1-9][0-9]{0,77})$/, "must be a decimal integer");
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be an address");

/** The receipt fields, exactly as src/protocol/receipt-json defines them. */
export const receiptWireSchema = receiptJsonSchema;
export const signedReceiptWireSchema = receiptWireSchema.extend({ hash: bytes32, signature });
export const khoReceiptWireSchema = signedReceiptWireSchema.extend({ signer: address });

/** A receipt as the relayer signed it. */
export type SignedReceipt = {
  receipt: InferenceReceipt;
  /** EIP-712 digest of `receipt` (as claimed by the relayer; verifyReceipt recomputes it). */
  hash: Hex;
  signature: Hex;
};

/** A signed receipt plus the address the relayer says signed it. */
export type RelayerReceipt = SignedReceipt & { signer: Address };

export function signedReceiptFromWire(w: z.output<typeof signedReceiptWireSchema>): SignedReceipt {
  const { hash, signature: sig, ...fields } = w;
  return { receipt: receiptFromJson(fields), hash: hash as Hex, signature: sig as Hex };
}

export function relayerReceiptFromWire(w: z.output<typeof khoReceiptWireSchema>): RelayerReceipt {
  const { signer, ...signed } = w;
  return { ...signedReceiptFromWire(signed), signer: getAddress(signer) };
}

export const chatCompletionWireSchema = z
  .object({
    id: z.string().optional(),
    object: z.string().optional(),
    created: z.number().optional(),
    model: z.string().optional(),
    choices: z.array(
      z.looseObject({
        index: z.number().optional(),
        message: z.looseObject({ role: z.string(), content: z.string().nullable() }),
        finish_reason: z.string().nullable().optional(),
      }),
    ),
    usage: z.looseObject({}).optional(),
    kho_receipt: khoReceiptWireSchema,
  })
  .loose();

export const receiptLookupWireSchema = z.object({
  receipt: khoReceiptWireSchema,
  status: z.enum(["unbatched", "batched", "expired"]),
  batch: z
    .object({
      batchId: uint,
      relayer: address,
      root: bytes32,
      status: z.string(),
      dataURI: z.string(),
      leaf: bytes32,
      proof: z.array(bytes32),
    })
    .nullable(),
});

export const batchFileWireSchema = z.object({
  version: z.literal(1),
  chainId: uint,
  ledger: address,
  relayer: address,
  batchId: uint,
  epoch: uint,
  root: bytes32,
  receipts: z.array(signedReceiptWireSchema),
});

export const modelListWireSchema = z.object({
  object: z.literal("list"),
  data: z.array(
    z.looseObject({
      id: uint,
      name: z.string(),
      locale: z.string(),
      communityId: uint,
      builder: address,
      created: z.number().optional(),
    }),
  ),
});

export const errorWireSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
