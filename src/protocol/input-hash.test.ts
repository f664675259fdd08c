import { keccak256, toBytes } from "viem";
import { describe, expect, it } from "vitest";
import { chatInputHash } from "./input-hash";

describe("chatInputHash", () => {
  it("hashes the canonical JSON bytes of the forwarded body: everything but model and user", () => {
    const body = {
      model: "pho-vi",
      user: "alice",
      messages: [
        { role: "system", content: [{ type: "text", text: "Ngắn gọn." }], name: "cook" },
        { role: "user", content: "Cá kho?" },
      ],
      temperature: 0.2,
      tools: [{ type: "function", function: { name: "f" } }],
    };
    const expected =
      '{"messages":[{"content":[{"text":"Ngắn gọn.","type":"text"}],"name":"cook","role":"system"},{"content":"Cá kho?","role":"user"}],' +
      '"temperature":0.2,"tools":[{"function":{"name":"f"},"type":"function"}]}';
    expect(chatInputHash(body)).toBe(keccak256(toBytes(expected)));
  });

  it("changes with every forwarded field and message order, not with key order, model or user", () => {
    const a = { role: "user", content: "a" };
    const b = { content: "b", role: "assistant" };
    const base = chatInputHash({ messages: [a, b] });
    expect(chatInputHash({ model: "x", user: "u", messages: [b, a].reverse() })).toBe(base);
    expect(chatInputHash({ messages: [b, a] })).not.toBe(base);
    expect(chatInputHash({ messages: [a, b], seed: 1 })).not.toBe(base);
    expect(chatInputHash({ messages: [a, b], stream: true })).not.toBe(base);
  });

  it("refuses an empty message list", () => {
    expect(() => chatInputHash({ messages: [] })).toThrow("non-empty messages array");
  });
});
