import { type ZodType, z } from "zod";
import { ErrorCodes } from "./errors";
import {
  chatCompletionRequestSchema,
  chatCompletionResponseSchema,
  errorResponseSchema,
  healthSchema,
  modelListSchema,
  receiptLookupSchema,
} from "./schemas";

function schema(s: ZodType, io: "input" | "output"): Record<string, unknown> {
  const json = z.toJSONSchema(s, { target: "draft-2020-12", io, unrepresentable: "any" }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

const errorRef = { $ref: "#/components/schemas/Error" };
const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: errorRef } } });
const json = (description: string, ref: string) => ({
  description,
  content: { "application/json": { schema: { $ref: `#/components/schemas/${ref}` } } },
});

/** OpenAPI 3.1 document built from the same zod schemas the routes validate with. */
export function buildOpenApiDocument(): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: {
      title: "Kho relayer",
      version: "1",
      description:
        "OpenAI-compatible gateway that forwards chat completions to registered Kho deployments and signs an EIP-712 " +
        "usage receipt for each. Errors are `{ error: { code, message } }` with codes: " +
        Object.keys(ErrorCodes).join(", ") +
        ". Streaming is not supported.",
    },
    components: {
      securitySchemes: {
        apiKey: { type: "http", scheme: "bearer", description: "An API key `kho_...` issued to an owner address." },
        walletSignature: {
          type: "apiKey",
          in: "header",
          name: "X-Kho-Signature",
          description:
            "EIP-712 InferenceRequest(user, modelId, inputHash, nonce, deadline, maxFee) signature; also send " +
            "X-Kho-User, X-Kho-Nonce, X-Kho-Deadline and X-Kho-Max-Fee. inputHash = keccak256(canonical JSON of `messages`).",
        },
      },
      schemas: {
        ChatCompletionRequest: schema(chatCompletionRequestSchema, "input"),
        ChatCompletionResponse: schema(chatCompletionResponseSchema, "output"),
        ModelList: schema(modelListSchema, "output"),
        ReceiptLookup: schema(receiptLookupSchema, "output"),
        Health: schema(healthSchema, "output"),
        Error: schema(errorResponseSchema, "output"),
      },
    },
    paths: {
      "/v1/chat/completions": {
        post: {
          summary: "Create a chat completion and receive its signed usage receipt (kho_receipt).",
          security: [{ apiKey: [] }, { walletSignature: [] }],
          parameters: [
            {
              name: "Idempotency-Key",
              in: "header",
              required: false,
              schema: { type: "string", maxLength: 255 },
              description:
                "Same key and body replay the stored response; a different body gives 422. Not with stream: true.",
            },
          ],
          requestBody: {
            required: true,
            content: { "application/json": { schema: { $ref: "#/components/schemas/ChatCompletionRequest" } } },
          },
          responses: {
            "200": {
              description:
                "The completion with kho_receipt (header X-Kho-Receipt-Hash names the receipt); with stream: true, " +
                "text/event-stream of the upstream's chat.completion.chunk events, then a chunk with empty choices " +
                "and kho_receipt, then data: [DONE] (header X-Kho-Request-Id names the receipt).",
              content: {
                "application/json": { schema: { $ref: "#/components/schemas/ChatCompletionResponse" } },
                "text/event-stream": { schema: { type: "string" } },
              },
            },
            "400": errorResponse("invalid_request"),
            "401": errorResponse("unauthorized"),
            "402": errorResponse(
              "insufficient_balance (the payer's FeeEscrow balance does not cover the price) or max_fee_too_low (the signed maxFee is below it)",
            ),
            "404": errorResponse("model_not_found"),
            "409": errorResponse("nonce_reused or idempotency_in_progress"),
            "413": errorResponse("payload_too_large"),
            "415": errorResponse("unsupported_media_type"),
            "422": errorResponse("idempotency_key_reused"),
            "429": errorResponse("rate_limited (see Retry-After)"),
            "502": errorResponse("upstream_error"),
            "503": errorResponse("no_deployment or escrow_unavailable"),
            "504": errorResponse("upstream_timeout"),
          },
        },
      },
      "/v1/models": {
        get: {
          summary: "Active registered models (id = registered name).",
          responses: { "200": json("Models", "ModelList") },
        },
      },
      "/v1/models/{id}": {
        get: {
          summary: "One active model by registered name or id.",
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          responses: {
            "200": { description: "The model object (as in the list)" },
            "404": errorResponse("model_not_found"),
          },
        },
      },
      "/v1/receipts/{id}": {
        get: {
          summary: "A receipt by request id or receipt hash, with its batch and Merkle proof once batched.",
          parameters: [
            { name: "id", in: "path", required: true, schema: { type: "string", pattern: "^0x[0-9a-fA-F]{64}$" } },
          ],
          responses: { "200": json("The receipt", "ReceiptLookup"), "404": errorResponse("not_found") },
        },
      },
      "/v1/batches/{id}": {
        get: {
          summary: "The batch file bytes whose keccak256 is the on-chain dataHash (this relayer's batch).",
          parameters: [
            { name: "id", in: "path", required: true, schema: { type: "string", pattern: "^[1-9][0-9]*$" } },
          ],
          responses: { "200": { description: "Batch file (JSON)" }, "404": errorResponse("not_found") },
        },
      },
      "/v1/batches/{relayer}/{id}": {
        get: {
          summary: "A batch file of a given relayer address (the form used in on-chain data URIs).",
          parameters: [
            { name: "relayer", in: "path", required: true, schema: { type: "string" } },
            { name: "id", in: "path", required: true, schema: { type: "string" } },
          ],
          responses: { "200": { description: "Batch file (JSON)" }, "404": errorResponse("not_found") },
        },
      },
      "/health": {
        get: {
          summary: "ready / degraded (serving, with reasons) / unavailable (503: receipts cannot be stored).",
          responses: { "200": json("Health", "Health"), "503": json("Unavailable", "Health") },
        },
      },
      "/metrics": { get: { summary: "Prometheus metrics.", responses: { "200": { description: "text/plain" } } } },
    },
  };
}
