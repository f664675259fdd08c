import { z } from "zod";
import {
  addressJsonSchema as address,
  bytes32JsonSchema as bytes32,
  khoReceiptSchema,
  uintJsonSchema as uint,
} from "../../protocol";

/**
 * The relayer's response envelopes (docs/protocol.md, src/relayer/routes), parsed loosely (a newer
 * relayer may add fields). Receipts and batch files inside them are parsed strictly, with the
 * protocol's own schemas (src/protocol/receipt-json.ts, batch-file.ts).
 */

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
    kho_receipt: khoReceiptSchema,
  })
  .loose();

export const receiptLookupWireSchema = z.object({
  receipt: khoReceiptSchema,
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

export const modelListWireSchema = z.object({
  object: z.literal("list"),
  data: z.array(
    z.looseObject({
      // `id` is the name OpenAI clients send as `model`; `modelId` the registered id.
      modelId: uint,
      name: z.string(),
      locale: z.string(),
      communityId: uint,
      builder: address,
      created: z.number().optional(),
    }),
  ),
});

export const errorWireSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
