import { describe, expect, it } from "vitest";
import { sseData } from "./stream-chat";

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function collect(chunks: string[]): Promise<string[]> {
  const out: string[] = [];
  for await (const data of sseData(streamOf(chunks))) out.push(data);
  return out;
}

describe("sseData", () => {
  it("yields each event's data however the bytes are chunked", async () => {
    const text = 'data: {"a":1}\n\n: a comment\n\ndata: {"b":"é"}\n\ndata: [DONE]\n\n';
    const expected = ['{"a":1}', '{"b":"é"}', "[DONE]"];
    expect(await collect([text])).toEqual(expected);
    // One byte at a time, splitting the two-byte "é" and the blank lines.
    const bytes = new TextEncoder().encode(text);
    const byByte: ReadableStream<Uint8Array> = new ReadableStream({
      start(controller) {
        for (const b of bytes) controller.enqueue(new Uint8Array([b]));
        controller.close();
      },
    });
    const out: string[] = [];
    for await (const data of sseData(byByte)) out.push(data);
    expect(out).toEqual(expected);
  });

  it("joins multi-line data, accepts CRLF, and keeps a last event without a blank line", async () => {
    expect(await collect(["data: one\r\ndata: two\r\n\r\n", "data: last"])).toEqual(["one\ntwo", "last"]);
  });
});
