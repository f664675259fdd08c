import { type Hex, keccak256, toBytes } from "viem";
import { canonicalJson } from "./canonical-json";

/**
 * The fields of a chat-completions request body that are not forwarded as they are: `model` is
 * resolved to the registered model (the receipt and the InferenceRequest name it by id) and `user`
 * never leaves the relayer (it only salts the receipt's pseudonymous user id).
 */
export const INPUT_HASH_EXCLUDED_FIELDS = ["model", "user"] as const;

/** A chat-completions request body as a client sends it (`messages` required, every other OpenAI field allowed). */
export type ChatRequestBody = { readonly messages: readonly unknown[] };

/**
 * The receipt's and the InferenceRequest's `inputHash`: keccak256 of the canonical JSON of the
 * request body without `model` and `user`, i.e. of everything the relayer forwards to the model
 * (messages, tools, sampling parameters, stream options…). The relayer rewrites none of these, so
 * the bytes a client hashes are the bytes the relayer hashes. Wallet clients sign
 * `InferenceRequest(user, modelId, chatInputHash(body), nonce, deadline)`.
 */
export function chatInputHash<T extends ChatRequestBody>(body: T): Hex {
  return keccak256(toBytes(chatInputCanonicalJson(body)));
}

/** The canonical JSON text chatInputHash hashes (the relayer's signing workers hash it off the event loop). */
export function chatInputCanonicalJson<T extends ChatRequestBody>(body: T): string {
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    throw new TypeError("chatInputHash needs a request body with a non-empty messages array");
  }
  const forwarded: Record<string, unknown> = { ...(body as object) };
  for (const field of INPUT_HASH_EXCLUDED_FIELDS) delete forwarded[field];
  return canonicalJson(forwarded);
}
