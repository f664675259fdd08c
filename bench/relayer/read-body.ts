import type { Readable } from "node:stream";

/** Collects a request or response body as UTF-8 text and hands it to `done` (a callback: the bench's servers stay free of per-request promises). */
export function readBody(stream: Readable, done: (text: string) => void): void {
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  stream.on("end", () => done(Buffer.concat(chunks).toString("utf8")));
}
