import { z } from "zod";
import { HttpError } from "./errors";

const textPart = z.object({ type: z.literal("text"), text: z.string() });

const message = z.object({
  role: z.enum(["system", "developer", "user", "assistant", "tool"]),
  // Assistant turns that only carried tool calls have null content.
  content: z.union([z.string(), z.array(textPart).min(1), z.null()]),
  name: z.string().max(256).optional(),
});

const positiveInt = z.number().int().positive().max(1_000_000);

/**
 * The subset of OpenAI's chat.completions request this server understands. Unknown fields are
 * ignored as OpenAI clients send many optional ones; known fields are checked so a mistake is
 * reported rather than silently dropped.
 */
export const chatCompletionRequestSchema = z.object({
  model: z.string().min(1).max(256),
  messages: z.array(message).min(1).max(256),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  max_tokens: positiveInt.nullish(),
  max_completion_tokens: positiveInt.nullish(),
  n: z.literal(1, { error: "only n = 1 is supported" }).nullish(),
  user: z.string().max(256).optional(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
});

export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;
export type ChatMessage = ChatCompletionRequest["messages"][number];

export function parseChatCompletionRequest(body: unknown): ChatCompletionRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpError(400, "invalid_request", "The request body must be a JSON object.");
  }
  const result = chatCompletionRequestSchema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const param = issue.path.length === 0 ? null : issue.path.map(String).join(".");
    throw new HttpError(400, "invalid_request", `Invalid request: ${param ?? "body"}: ${issue.message}.`, param, {
      cause: result.error,
    });
  }
  return result.data;
}

/** The text of a message: its string content, or its text parts joined by newlines. */
export function messageText(m: ChatMessage): string {
  if (m.content === null) return "";
  if (typeof m.content === "string") return m.content;
  return m.content.map((p) => p.text).join("\n");
}
