import type { Hex } from "viem";
import { canonicalJsonHash } from "./canonical-json";

/** A text part of a multi-part chat message (the only part type the relayer accepts). */
export type ChatTextPart = { type: "text"; text: string };

/** A chat message as the relayer accepts it in `POST /v1/chat/completions`. */
export type ChatInputMessage = {
  role: "system" | "developer" | "user" | "assistant";
  content: string | readonly ChatTextPart[];
  name?: string;
};

/**
 * The receipt's and the InferenceRequest's `inputHash`: keccak256 of the canonical JSON of the
 * request's `messages` array, exactly as sent in the body (the relayer accepts no extra fields and
 * rewrites nothing, so the bytes a client hashes are the bytes the relayer hashes). Wallet clients
 * sign `InferenceRequest(user, modelId, chatInputHash(messages), nonce, deadline)`.
 */
export function chatInputHash(messages: readonly ChatInputMessage[]): Hex {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new TypeError("chatInputHash needs a non-empty array of messages");
  }
  return canonicalJsonHash(messages);
}
