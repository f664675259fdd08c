import { z } from "zod";

/**
 * Request and response shapes of the public API. These zod schemas validate requests and also
 * generate /openapi.json, so the document cannot drift from what the server accepts.
 */

// Content parts and messages follow OpenAI's chat-completions reference (the `openai` package's
// ChatCompletionMessageParam): a field or part type that is not in the API is refused, anything
// inside a known part is left to the model server to judge.
const textPart = z.strictObject({ type: z.literal("text"), text: z.string() });
const imagePart = z.strictObject({
  type: z.literal("image_url"),
  image_url: z.strictObject({ url: z.string().min(1), detail: z.enum(["auto", "low", "high"]).optional() }),
});
const audioPart = z.strictObject({
  type: z.literal("input_audio"),
  input_audio: z.strictObject({ data: z.string().min(1), format: z.string().min(1) }),
});
const filePart = z.strictObject({
  type: z.literal("file"),
  file: z.strictObject({
    file_data: z.string().optional(),
    file_id: z.string().optional(),
    filename: z.string().optional(),
  }),
});
const refusalPart = z.strictObject({ type: z.literal("refusal"), refusal: z.string() });

const parts = <T extends z.ZodType>(part: T) => z.array(part).min(1).max(256);
const textContent = z.union([z.string(), parts(textPart)]);
const name = z.string().min(1).max(256).optional();
const toolCall = z.looseObject({
  id: z.string(),
  type: z.enum(["function", "custom"]),
});

export const chatMessageSchema = z.discriminatedUnion("role", [
  z.strictObject({ role: z.literal("system"), content: textContent, name }),
  z.strictObject({ role: z.literal("developer"), content: textContent, name }),
  z.strictObject({
    role: z.literal("user"),
    content: z.union([z.string(), parts(z.discriminatedUnion("type", [textPart, imagePart, audioPart, filePart]))]),
    name,
  }),
  z.strictObject({
    role: z.literal("assistant"),
    // Turns that only called tools carry null (or no) content.
    content: z.union([z.string(), parts(z.discriminatedUnion("type", [textPart, refusalPart]))]).nullish(),
    name,
    refusal: z.string().nullish(),
    tool_calls: z.array(toolCall).max(128).optional(),
    function_call: z.strictObject({ name: z.string(), arguments: z.string() }).nullish(),
    audio: z.strictObject({ id: z.string() }).nullish(),
  }),
  z.strictObject({ role: z.literal("tool"), content: textContent, tool_call_id: z.string().min(1) }),
  z.strictObject({ role: z.literal("function"), content: z.string().nullable(), name: z.string().min(1) }),
]);

const nullableNumber = (min: number, max: number) => z.number().min(min).max(max).nullish();
const nullableInt = (min: number, max: number) => z.number().int().min(min).max(max).nullish();
const tool = z.looseObject({ type: z.enum(["function", "custom"]) });

export const chatCompletionRequestSchema = z
  .strictObject({
    model: z.string().min(1).max(128).describe("Registered model name, or its registered id (decimal)."),
    messages: z.array(chatMessageSchema).min(1).max(1024),
    audio: z.looseObject({ format: z.string(), voice: z.unknown() }).nullish(),
    frequency_penalty: nullableNumber(-2, 2),
    function_call: z.union([z.enum(["none", "auto"]), z.looseObject({ name: z.string() })]).optional(),
    functions: z
      .array(z.looseObject({ name: z.string() }))
      .max(128)
      .optional(),
    logit_bias: z.record(z.string().regex(/^\d+$/), z.number().min(-100).max(100)).nullish(),
    logprobs: z.boolean().nullish(),
    max_completion_tokens: nullableInt(1, 10_000_000),
    max_tokens: nullableInt(1, 10_000_000),
    metadata: z.record(z.string().max(64), z.string().max(512)).nullish(),
    modalities: z.array(z.enum(["text", "audio"])).nullish(),
    moderation: z.looseObject({}).nullish(),
    n: nullableInt(1, 128),
    parallel_tool_calls: z.boolean().optional(),
    prediction: z.looseObject({ type: z.literal("content"), content: z.unknown() }).nullish(),
    presence_penalty: nullableNumber(-2, 2),
    prompt_cache_key: z.string().nullish(),
    prompt_cache_options: z.looseObject({}).optional(),
    prompt_cache_retention: z.enum(["in_memory", "24h"]).nullish(),
    reasoning_effort: z.enum(["none", "minimal", "low", "medium", "high", "xhigh"]).nullish(),
    response_format: z.looseObject({ type: z.enum(["text", "json_object", "json_schema"]) }).optional(),
    safety_identifier: z.string().max(256).nullish(),
    seed: z.number().int().nullish(),
    service_tier: z.enum(["auto", "default", "flex", "scale", "priority"]).nullish(),
    stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
    store: z.boolean().nullish(),
    stream: z.boolean().nullish().describe("`true` answers with server-sent events ending in a receipt chunk."),
    stream_options: z
      .strictObject({ include_usage: z.boolean().optional(), include_obfuscation: z.boolean().optional() })
      .nullish(),
    temperature: nullableNumber(0, 2),
    tool_choice: z.union([z.enum(["none", "auto", "required"]), z.looseObject({ type: z.string() })]).optional(),
    tools: z.array(tool).max(128).optional(),
    top_logprobs: nullableInt(0, 20),
    top_p: nullableNumber(0, 1),
    user: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .describe(
        "The app's end-user id; with an API key it becomes a salted pseudonymous receipt userId (kind 0). Not forwarded.",
      ),
    verbosity: z.enum(["low", "medium", "high"]).nullish(),
    web_search_options: z.looseObject({}).optional(),
  })
  .describe("OpenAI chat.completions request: every field of the API is accepted and forwarded (except `user`).");

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
  attributionHash: bytes32.describe(
    "Commitment to the dataset entries the answer cited: zero for none, else the hash of `attribution`.",
  ),
  hash: bytes32.describe("EIP-712 digest of the receipt (the batch leaf commits to it)."),
  signature: z.string().regex(/^0x[0-9a-f]{130}$/),
  attribution: z
    .array(z.object({ contentHash: bytes32, entryId: z.string() }))
    .optional()
    .describe("The cited entries (the backend's kho_attribution, sorted); omitted when none."),
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
  error: z.object({
    message: z.string(),
    type: z.enum(["invalid_request_error", "server_error"]),
    param: z.string().nullable(),
    code: z.string(),
  }),
});

export const modelListSchema = z.object({
  object: z.literal("list"),
  data: z.array(
    z.object({
      id: z.string().describe("Registered model name (what to send as `model`)."),
      object: z.literal("model"),
      created: z.number().int(),
      owned_by: z.string(),
      name: z.string(),
      modelId: uintString.describe("Registered model id (decimal); also accepted as `model`."),
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
