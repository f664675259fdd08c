import { type KhoReceipt, khoReceiptFromJson } from "../../../src/protocol/receipt-json";
import { RelayerRequestError } from "../../../src/sdk/relayer/errors";

/**
 * Splits a server-sent-events byte stream into the `data:` payloads of its events, however the
 * network chunks it (an event may span chunks, a chunk may hold several events).
 */
export async function* sseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
    const events = buffer.replace(/\r\n/g, "\n").split("\n\n");
    buffer = done ? "" : events.pop()!;
    for (const event of events) {
      const data = event
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).replace(/^ /, ""));
      if (data.length > 0) yield data.join("\n");
    }
    if (done) return;
  }
}

type StreamChunk = {
  choices?: { delta?: { content?: string | null } }[];
  kho_receipt?: unknown;
  error?: { message?: string; code?: string };
};

export type StreamChatParameters = {
  relayerUrl: string;
  apiKey: string | undefined;
  model: string;
  question: string;
  user: string;
  /** Called with each piece of the answer as it arrives. */
  onDelta: (text: string) => void;
};

/**
 * Asks through the relayer with `stream: true` (OpenAI's chat.completion.chunk events) and returns
 * the signed receipt from the final `kho_receipt` chunk; a stream that ends without one, or with
 * an error event, is an error: the answer was not accounted for.
 */
export async function streamChat(parameters: StreamChatParameters): Promise<KhoReceipt> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (parameters.apiKey) headers.authorization = `Bearer ${parameters.apiKey}`;
  let response: Response;
  try {
    response = await fetch(`${parameters.relayerUrl}/v1/chat/completions`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        model: parameters.model,
        messages: [{ role: "user", content: parameters.question }],
        user: parameters.user,
        stream: true,
      }),
    });
  } catch (cause) {
    throw new RelayerRequestError(`cannot reach the relayer at ${parameters.relayerUrl}`, 0, undefined, { cause });
  }
  if (!response.ok || !response.body) {
    const body = (await response.json().catch(() => null)) as StreamChunk | null;
    throw new RelayerRequestError(
      body?.error?.message ?? `HTTP ${response.status} ${response.statusText}`,
      response.status,
      body?.error?.code,
    );
  }
  let receipt: KhoReceipt | null = null;
  for await (const data of sseData(response.body)) {
    if (data === "[DONE]") break;
    const chunk = JSON.parse(data) as StreamChunk;
    if (chunk.error) throw new RelayerRequestError(chunk.error.message ?? "the stream failed", 200, chunk.error.code);
    if (chunk.kho_receipt !== undefined) receipt = khoReceiptFromJson(chunk.kho_receipt);
    const text = chunk.choices?.[0]?.delta?.content;
    if (text) parameters.onDelta(text);
  }
  if (!receipt) throw new RelayerRequestError("the stream ended without a kho_receipt chunk", 200, undefined);
  return receipt;
}
