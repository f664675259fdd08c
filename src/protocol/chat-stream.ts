/**
 * How a streamed answer becomes the one message the receipt's `outputHash` commits to. A client
 * that kept the `chat.completion.chunk` objects it received recomputes the hash with
 * `canonicalJsonHash(assembleStreamedMessage(chunks))`.
 */

type ToolCallParts = { id?: string; type?: string; name: string; arguments: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Folds the deltas of choice 0, in order: null and empty-string values are skipped; `role` is the
 * first role seen (default "assistant"); every other string field (`content`, `refusal`,
 * `reasoning_content`…) is concatenated; `content` is null when no chunk carried any; `tool_calls` are merged by their `index` (first `id` and `type`
 * win, `function.name` and `function.arguments` are concatenated) and listed by index without it;
 * any other non-null value is the last one seen. Chunks without choice 0 (usage, receipt) add nothing.
 */
export class StreamedMessageAssembler {
  private role: string | undefined;
  private readonly strings = new Map<string, string>();
  private readonly others = new Map<string, unknown>();
  private readonly toolCalls = new Map<number, ToolCallParts>();

  add(chunk: unknown): void {
    if (!isObject(chunk) || !Array.isArray(chunk.choices)) return;
    for (const choice of chunk.choices) {
      if (!isObject(choice) || (choice.index ?? 0) !== 0 || !isObject(choice.delta)) continue;
      for (const [key, value] of Object.entries(choice.delta)) {
        // Role-only first chunks often carry `content: ""`: empty strings say nothing.
        if (value === null || value === undefined || value === "") continue;
        if (key === "role") this.role ??= String(value);
        else if (key === "tool_calls" && Array.isArray(value)) this.addToolCalls(value);
        else if (typeof value === "string") this.strings.set(key, (this.strings.get(key) ?? "") + value);
        else this.others.set(key, value);
      }
    }
  }

  private addToolCalls(deltas: unknown[]): void {
    for (const delta of deltas) {
      if (!isObject(delta) || typeof delta.index !== "number") continue;
      const call = this.toolCalls.get(delta.index) ?? { name: "", arguments: "" };
      if (typeof delta.id === "string") call.id ??= delta.id;
      if (typeof delta.type === "string") call.type ??= delta.type;
      if (isObject(delta.function)) {
        if (typeof delta.function.name === "string") call.name += delta.function.name;
        if (typeof delta.function.arguments === "string") call.arguments += delta.function.arguments;
      }
      this.toolCalls.set(delta.index, call);
    }
  }

  /** True once any delta carried content, a refusal, a tool call or another field: something was said. */
  get hasOutput(): boolean {
    return this.strings.size > 0 || this.others.size > 0 || this.toolCalls.size > 0;
  }

  message(): Record<string, unknown> {
    const message: Record<string, unknown> = { role: this.role ?? "assistant", content: null };
    for (const [key, value] of this.others) message[key] = value;
    for (const [key, value] of this.strings) message[key] = value;
    if (this.toolCalls.size > 0) {
      message.tool_calls = [...this.toolCalls.entries()]
        .sort(([a], [b]) => a - b)
        .map(([, call]) => ({
          id: call.id,
          type: call.type ?? "function",
          function: { name: call.name, arguments: call.arguments },
        }));
    }
    return message;
  }
}

/** The message a sequence of streamed chunks assembles to (see StreamedMessageAssembler). */
export function assembleStreamedMessage(chunks: Iterable<unknown>): Record<string, unknown> {
  const assembler = new StreamedMessageAssembler();
  for (const chunk of chunks) assembler.add(chunk);
  return assembler.message();
}
