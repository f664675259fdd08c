import { describe, expect, it } from "vitest";
import { StreamedMessageAssembler, assembleStreamedMessage } from "./chat-stream";

const chunk = (delta: Record<string, unknown>, index = 0) => ({
  object: "chat.completion.chunk",
  choices: [{ index, delta }],
});

describe("assembleStreamedMessage", () => {
  it("concatenates text fields of choice 0 and ignores other choices, usage and receipt chunks", () => {
    const message = assembleStreamedMessage([
      chunk({ role: "assistant", content: "" }),
      chunk({ content: "Cá " }),
      chunk({ content: "other choice" }, 1),
      chunk({ reasoning_content: "think" }),
      chunk({ content: "kho", refusal: null }),
      { object: "chat.completion.chunk", choices: [], usage: { total_tokens: 3 } },
      { choices: [], kho_receipt: {} },
    ]);
    expect(message).toEqual({ role: "assistant", content: "Cá kho", reasoning_content: "think" });
  });

  it("merges tool-call deltas by index, in index order, without the index", () => {
    const message = assembleStreamedMessage([
      chunk({ role: "assistant", content: null }),
      chunk({ tool_calls: [{ index: 1, id: "b", type: "function", function: { name: "g", arguments: "" } }] }),
      chunk({ tool_calls: [{ index: 0, id: "a", type: "function", function: { name: "f", arguments: '{"x"' } }] }),
      chunk({
        tool_calls: [
          { index: 0, function: { arguments: ":1}" } },
          { index: 1, function: { arguments: "{}" } },
        ],
      }),
    ]);
    expect(message).toEqual({
      role: "assistant",
      content: null,
      tool_calls: [
        { id: "a", type: "function", function: { name: "f", arguments: '{"x":1}' } },
        { id: "b", type: "function", function: { name: "g", arguments: "{}" } },
      ],
    });
  });

  it("says whether anything beyond the role was delivered", () => {
    const assembler = new StreamedMessageAssembler();
    assembler.add(chunk({ role: "assistant", content: "" }));
    expect(assembler.hasOutput).toBe(false);
    assembler.add(chunk({ content: "a" }));
    expect(assembler.hasOutput).toBe(true);
  });
});
