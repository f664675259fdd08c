import { type Hex, keccak256, stringToBytes } from "viem";
import type { AttributedEntry } from "../../protocol/attribution";
import { canonicalJson } from "../../protocol/canonical-json";
import { countTokens, truncateToTokens } from "../retrieval/normalize";
import type { RetrievalModel } from "../retrieval/model";
import { type ChatCompletionRequest, messageText } from "./chat-completion-request";
import { HttpError } from "./errors";

/** OpenAI's `chat.completion` object, with the fields this server fills. */
export type ChatCompletion = {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  system_fingerprint: string;
  choices: [
    {
      index: 0;
      message: { role: "assistant"; content: string; refusal: null };
      logprobs: null;
      finish_reason: "stop" | "length";
    },
  ];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  /**
   * The dataset entries the answer was built from (empty for an "I don't know this well"), outside the
   * message so the output hash is the message alone; the relayer commits to it in the receipt.
   */
  kho_attribution: AttributedEntry[];
};

export type CreateChatCompletionParameters = {
  model: RetrievalModel;
  modelName: string;
  datasetHash: Hex;
  request: ChatCompletionRequest;
  /** Unix seconds; the only field of the response that is not a function of the input. */
  created: number;
};

export function createChatCompletion({
  model,
  modelName,
  datasetHash,
  request,
  created,
}: CreateChatCompletionParameters): ChatCompletion {
  if (request.model !== modelName) {
    throw new HttpError(
      404,
      "model_not_found",
      `The model '${request.model}' does not exist; this server serves '${modelName}'.`,
      "model",
    );
  }
  // The retrieval model answers one question: the latest thing the user asked.
  const lastUser = [...request.messages].reverse().find((m) => m.role === "user");
  if (lastUser === undefined) {
    throw new HttpError(400, "invalid_request", "messages must include at least one user message.", "messages");
  }
  const question = messageText(lastUser);
  if (question.trim() === "") {
    throw new HttpError(400, "invalid_request", "The last user message is empty.", "messages");
  }

  const reply = model.reply(question);
  const maxTokens = request.max_completion_tokens ?? request.max_tokens ?? undefined;
  const { text: content, truncated } =
    maxTokens === undefined ? { text: reply.content, truncated: false } : truncateToTokens(reply.content, maxTokens);

  const transcript = request.messages.map((m) => ({ role: m.role, content: messageText(m) }));
  // Everything the output depends on goes into the id, so equal ids mean equal answers.
  const inputHash = keccak256(
    stringToBytes(canonicalJson({ dataset: datasetHash, model: modelName, messages: transcript, maxTokens })),
  );
  const promptTokens = transcript.reduce((sum, m) => sum + countTokens(m.content), 0);
  const completionTokens = countTokens(content);

  return {
    id: `chatcmpl-${inputHash.slice(2, 34)}`,
    object: "chat.completion",
    created,
    model: modelName,
    system_fingerprint: `kho-retrieval-${datasetHash.slice(2, 14)}`,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content, refusal: null },
        logprobs: null,
        finish_reason: truncated ? "length" : "stop",
      },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
    kho_attribution: reply.entryId === null ? [] : [{ contentHash: datasetHash, entryId: reply.entryId }],
  };
}

/**
 * The same answer as `chat.completion.chunk` events (OpenAI's streaming format): a role chunk, the
 * content word by word, a finish chunk carrying `kho_attribution`, and a usage chunk when
 * `stream_options.include_usage` asks.
 */
export function chatCompletionChunks(completion: ChatCompletion, includeUsage: boolean): object[] {
  const base = {
    id: completion.id,
    object: "chat.completion.chunk",
    created: completion.created,
    model: completion.model,
    system_fingerprint: completion.system_fingerprint,
  };
  const choice = (delta: object, finishReason: string | null = null) => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  });
  const [first] = completion.choices;
  const words = first.message.content.match(/\S+\s*|\s+/g) ?? [];
  return [
    choice({ role: "assistant", content: "" }),
    ...words.map((word) => choice({ content: word })),
    { ...choice({}, first.finish_reason), kho_attribution: completion.kho_attribution },
    ...(includeUsage ? [{ ...base, choices: [], usage: completion.usage }] : []),
  ];
}
