import { z } from "zod";

/**
 * Request and response shapes of the public API. These zod schemas validate requests and also
 * generate /openapi.json, so the document cannot drift from what the server accepts.
 */

export const textContentPartSchema = z.strictObject({ type: z.literal("text"), text: z.string() });

export const chatMessageSchema = z.strictObject({
  role: z.enum(["system", "developer", "user", "assistant"]),
  content: z.union([z.string(), z.array(textContentPartSchema).min(1).max(64)]),
  name: z.string().min(1).max(64).optional(),
});

export const chatCompletionRequestSchema = z
  .strictObject({
    model: z.string().min(1).max(128).describe("Registered model id (decimal) or registered model name."),
    messages: z.array(chatMessageSchema).min(1).max(256),
    temperature: z.number().min(0).max(2).optional(),
    max_tokens: z.number().int().min(1).max(1_000_000).optional(),
    user: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .describe("The app's end-user id; with an API key it becomes a salted pseudonymous receipt userId (kind 0)."),
    stream: z
      .boolean()
      .optional()
      .describe("Streaming is not supported: `true` is rejected with streaming_unsupported."),
  })
  .describe("OpenAI chat.completions request (subset).");

export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

const bytes32 = z.string().regex(/^0x[0-9a-f]{64}$/);
const uintString = z.string().regex(/^\d+$/);

export const khoReceiptSchema = z.object({
  requestId: bytes32,
  modelId: uintString,
  deploymentId: uintString,
  communityId: uintString,
  userId: bytes32,
  userKind: z.number().int().min(0).max(2),
  inputHash: bytes32,
  outputHash: bytes32,
  timestamp: uintString,
  epoch: uintString,
  fee: uintString.describe("Token units (wei) charged to the payer's escrow."),
  payer: z.string().describe("The address whose escrow pays the fee (API key owner or signing wallet)."),
  userAuth: bytes32,
  hash: bytes32.describe("EIP-712 digest of the receipt (the batch leaf commits to it)."),
  signature: z.string().regex(/^0x[0-9a-f]{130}$/),
  signer: z.string().describe("The relayer address that signed the receipt."),
});

export const chatCompletionResponseSchema = z
  .object({
    id: z.string().optional(),
    object: z.string().optional(),
    choices: z.array(z.object({ message: z.object({ role: z.string(), content: z.string().nullable() }) })),
    kho_receipt: khoReceiptSchema,
  })
  .loose()
  .describe("The upstream chat.completion plus the relayer-signed usage receipt.");

export const errorResponseSchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});

export const modelListSchema = z.object({
  object: z.literal("list"),
  data: z.array(
    z.object({
      id: z.string().describe("Registered model id (decimal)."),
      object: z.literal("model"),
      created: z.number().int(),
      owned_by: z.string(),
      name: z.string(),
      locale: z.string(),
      communityId: uintString,
      builder: z.string(),
    }),
  ),
});

export const receiptLookupSchema = z.object({
  receipt: khoReceiptSchema,
  status: z.enum(["unbatched", "batched", "expired"]),
  batch: z
    .object({
      batchId: uintString,
      relayer: z.string(),
      root: bytes32,
      status: z.enum(["sealed", "submitted", "confirmed"]),
      proof: z.array(bytes32),
      leaf: bytes32,
    })
    .nullable(),
});

export const healthSchema = z.object({
  status: z.enum(["ready", "degraded", "unavailable"]),
  reasons: z.array(z.string()),
  checks: z.record(z.string(), z.unknown()),
});

/** The subset of a chat.completion the relayer relies on (the rest is passed through untouched). */
export const upstreamCompletionSchema = z
  .object({
    choices: z
      .array(z.object({ message: z.object({ role: z.string(), content: z.string().nullable() }).loose() }).loose())
      .min(1),
  })
  .loose();
