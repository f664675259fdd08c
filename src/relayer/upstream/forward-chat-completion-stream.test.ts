import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createEndpointPolicy } from "./endpoint-policy";
import {
  UpstreamAbortedError,
  UpstreamError,
  UpstreamHttpError,
  UpstreamInvalidResponseError,
  UpstreamResponseTooLargeError,
  UpstreamTimeoutError,
} from "./errors";
import { type ForwardChatCompletionParameters, forwardChatCompletionStream } from "./forward-chat-completion";

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

async function startStub(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<number> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => handler(req, res, Buffer.concat(chunks).toString()));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

const chunk = (content: string) =>
  JSON.stringify({ id: "c1", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content } }] });

function open(port: number, overrides: Partial<ForwardChatCompletionParameters> = {}) {
  return forwardChatCompletionStream({
    endpoint: `http://127.0.0.1:${port}/v1`,
    body: { model: "m", messages: [{ role: "user", content: "hi" }] },
    timeoutMs: 5_000,
    maxResponseBytes: 1024 * 1024,
    policy: createEndpointPolicy({ allowLoopback: true }),
    ...overrides,
  });
}

async function drain(port: number, overrides: Partial<ForwardChatCompletionParameters> = {}): Promise<string[]> {
  const { events } = await open(port, overrides);
  const data: string[] = [];
  for await (const event of events) data.push(event.data);
  return data;
}

async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

describe("forwardChatCompletionStream", () => {
  it("asks for a stream and yields each event's data until [DONE], whatever the line endings and comments", async () => {
    let sent = "";
    let accept: string | undefined;
    const port = await startStub((req, res, body) => {
      sent = body;
      accept = req.headers.accept;
      res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
      res.write(`: keep-alive\r\n\r\nevent: message\r\ndata: ${chunk("Cá ")}\r\n\r\n`);
      // An event split across writes, then LF and CR endings, then events after [DONE] that must be ignored.
      const second = `data: ${chunk("kho")}\n\n`;
      res.write(second.slice(0, 10));
      setTimeout(() => res.end(`${second.slice(10)}data: [DONE]\r\rdata: ${chunk("late")}\n\n`), 20);
    });
    expect(await drain(port)).toEqual([chunk("Cá "), chunk("kho")]);
    expect(JSON.parse(sent).stream).toBe(true);
    expect(accept).toBe("text/event-stream");
  });

  it("ends at the end of the stream when there is no [DONE]", async () => {
    const port = await startStub((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(`data: ${chunk("a")}\n\n`);
    });
    expect(await drain(port)).toEqual([chunk("a")]);
  });

  it("refuses a non-stream answer, a failed status, error events and events that are not chunks", async () => {
    const json = await startStub((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
    expect(await failure(open(json))).toBeInstanceOf(UpstreamInvalidResponseError);
    const down = await startStub((_req, res) => {
      res.writeHead(503);
      res.end();
    });
    expect(await failure(open(down))).toMatchObject({ code: "upstream_http_error", status: 503 });
    expect(await failure(open(down))).toBeInstanceOf(UpstreamHttpError);
    for (const bad of ['{"error":{"message":"CUDA out of memory"}}', "not json", '{"object":"x"}']) {
      const port = await startStub((_req, res) => {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.end(`data: ${chunk("a")}\n\ndata: ${bad}\n\n`);
      });
      expect(await failure(drain(port))).toBeInstanceOf(UpstreamInvalidResponseError);
    }
  });

  it("holds the byte cap and the timeout over the whole stream", async () => {
    const endless = await startStub((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      const timer = setInterval(() => res.write(`data: ${chunk("x".repeat(200))}\n\n`), 1);
      res.on("close", () => clearInterval(timer));
    });
    expect(await failure(drain(endless, { maxResponseBytes: 4096 }))).toBeInstanceOf(UpstreamResponseTooLargeError);
    expect(await failure(drain(endless, { timeoutMs: 150, maxResponseBytes: 1 << 30 }))).toBeInstanceOf(
      UpstreamTimeoutError,
    );
  });

  it("stops when the caller aborts mid-stream, closing the upstream connection", async () => {
    let closed!: () => void;
    const upstreamClosed = new Promise<void>((resolve) => (closed = resolve));
    const port = await startStub((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(`data: ${chunk("a")}\n\n`);
      res.on("close", closed);
    });
    const controller = new AbortController();
    const { events } = await open(port, { signal: controller.signal });
    expect((await events.next()).value?.data).toBe(chunk("a"));
    const next = events.next();
    controller.abort();
    expect(await failure(next)).toBeInstanceOf(UpstreamAbortedError);
    await upstreamClosed;
  });
});
