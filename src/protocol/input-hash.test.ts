import { keccak256, toBytes } from "viem";
import { describe, expect, it } from "vitest";
import { type ChatInputMessage, chatInputHash } from "./input-hash";

describe("chatInputHash", () => {
  it("hashes the canonical JSON bytes of the messages", () => {
    const messages: ChatInputMessage[] = [
      { role: "system", content: [{ type: "text", text: "Ngắn gọn." }], name: "cook" },
      { role: "user", content: "Cá kho?" },
    ];
    const expected =
      '[{"content":[{"text":"Ngắn gọn.","type":"text"}],"name":"cook","role":"system"},{"content":"Cá kho?","role":"user"}]';
    expect(chatInputHash(messages)).toBe(keccak256(toBytes(expected)));
  });

  it("does not depend on key order, but does on message order", () => {
    const a = { role: "user" as const, content: "a" };
    const b = { content: "b", role: "assistant" as const };
    expect(chatInputHash([a, b])).toBe(
      chatInputHash([
        { content: "a", role: "user" },
        { role: "assistant", content: "b" },
      ]),
    );
    expect(chatInputHash([a, b])).not.toBe(chatInputHash([b, a]));
  });

  it("refuses an empty message list", () => {
    expect(() => chatInputHash([])).toThrow("chatInputHash needs a non-empty array of messages");
  });
});
