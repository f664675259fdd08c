import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createEndpointPolicy } from "./endpoint-policy";
import {
  UpstreamAbortedError,
  UpstreamBlockedError,
  UpstreamConnectionError,
  UpstreamError,
  UpstreamHttpError,
  UpstreamInvalidRequestError,
  UpstreamInvalidResponseError,
  UpstreamRedirectError,
  UpstreamResponseTooLargeError,
  UpstreamTimeoutError,
} from "./errors";
import { forwardChatCompletion, type ForwardChatCompletionParameters } from "./forward-chat-completion";
import type { Resolver } from "./resolve-pinned";

type Received = { method?: string; url?: string; headers: IncomingMessage["headers"]; body: string };
type Stub = { port: number; received: Received[] };

const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

async function startStub(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Stub> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() });
      handler(req, res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, received };
}

const completion = {
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1_700_000_000,
  model: "pho-7b",
  choices: [
    { index: 0, message: { role: "assistant", content: "Cá kho tộ: braise in a clay pot." }, finish_reason: "stop" },
  ],
  usage: { prompt_tokens: 9, completion_tokens: 8, total_tokens: 17 },
};

const json =
  (status: number, value: unknown, contentType = "application/json; charset=utf-8") =>
  (_req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(status, { "content-type": contentType });
    res.end(typeof value === "string" ? value : JSON.stringify(value));
  };

const loopback = createEndpointPolicy({ allowLoopback: true });
const body = { model: "pho-7b", messages: [{ role: "user", content: "How do I cook cá kho?" }] };

function call(
  port: number,
  overrides: Partial<ForwardChatCompletionParameters> = {},
): ReturnType<typeof forwardChatCompletion> {
  return forwardChatCompletion({
    endpoint: `http://127.0.0.1:${port}`,
    body,
    timeoutMs: 5_000,
    maxResponseBytes: 1024 * 1024,
    policy: loopback,
    ...overrides,
  });
}

async function rejection(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

describe("forwardChatCompletion", () => {
  it("posts the body to <endpoint>/v1/chat/completions on a loopback stub and returns the completion", async () => {
    const stub = await startStub(json(200, completion));
    const result = await forwardChatCompletion({
      endpoint: `http://127.0.0.1:${stub.port}/deploy/a/`,
      body,
      timeoutMs: 5_000,
      maxResponseBytes: 64 * 1024,
      policy: loopback,
      headers: { Authorization: "Bearer upstream-key" },
    });
    expect(result.completion).toEqual(completion);
    expect(result.status).toBe(200);
    expect(result.upstreamAddress).toBe("127.0.0.1");
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(stub.received).toHaveLength(1);
    const [request] = stub.received;
    expect(request.method).toBe("POST");
    expect(request.url).toBe("/deploy/a/v1/chat/completions");
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.headers.authorization).toBe("Bearer upstream-key");
    expect(request.headers.host).toBe(`127.0.0.1:${stub.port}`);
    expect(JSON.parse(request.body)).toEqual(body);
  });

  it("blocks loopback by default, even for http://127.0.0.1:port, without connecting", async () => {
    const stub = await startStub(json(200, completion));
    const error = await rejection(call(stub.port, { policy: undefined }));
    expect(error).toBeInstanceOf(UpstreamBlockedError);
    expect((error as UpstreamBlockedError).reason).toBe("loopback");
    expect(stub.received).toHaveLength(0);
  });

  it("holds an endpoint it already called to each call's own policy", async () => {
    const stub = await startStub(json(200, completion));
    // The same endpoint string, accepted (and remembered) under one policy, then called under others.
    await call(stub.port);
    const error = await rejection(call(stub.port, { policy: createEndpointPolicy() }));
    expect(error).toMatchObject({ code: "upstream_blocked", reason: "loopback" });
    const closedPort = createEndpointPolicy({ allowLoopback: true, blockedPorts: [stub.port] });
    expect(await rejection(call(stub.port, { policy: closedPort }))).toMatchObject({
      code: "upstream_invalid_endpoint",
    });
    await call(stub.port);
    expect(stub.received).toHaveLength(2);
  });

  it("blocks a hostname that resolves to a private address", async () => {
    const resolver: Resolver = async () => [{ address: "10.0.0.5", family: 4 }];
    const error = await rejection(call(80, { endpoint: "http://evil.example", resolver }));
    expect(error).toMatchObject({ code: "upstream_blocked", reason: "private", address: "10.0.0.5" });
  });

  it("connects to the pinned first answer even though the resolver would answer differently later", async () => {
    const stub = await startStub(json(200, completion));
    const asked: string[] = [];
    const resolver: Resolver = async (hostname) => {
      asked.push(hostname);
      return asked.length === 1 ? [{ address: "127.0.0.1", family: 4 }] : [{ address: "169.254.169.254", family: 4 }];
    };
    const result = await call(stub.port, { endpoint: `http://rebind.example:${stub.port}`, resolver });
    expect(result.upstreamAddress).toBe("127.0.0.1");
    expect(asked).toEqual(["rebind.example"]);
    // The stub saw the request: the connection went to the first answer, with the registered name as Host.
    expect(stub.received.map((request) => request.headers.host)).toEqual([`rebind.example:${stub.port}`]);
  });

  it("refuses a redirect to the metadata address without following it", async () => {
    const stub = await startStub((_req, res) => {
      res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" });
      res.end();
    });
    const asked: string[] = [];
    const resolver: Resolver = async (hostname) => {
      asked.push(hostname);
      return [{ address: "127.0.0.1", family: 4 }];
    };
    const error = await rejection(
      call(stub.port, {
        endpoint: `http://models.example:${stub.port}`,
        resolver,
        policy: createEndpointPolicy({ allowedHosts: ["127.0.0.1"] }),
      }),
    );
    expect(error).toBeInstanceOf(UpstreamRedirectError);
    expect(error).toMatchObject({ status: 302, location: "http://169.254.169.254/latest/meta-data/" });
    expect(asked).toEqual(["models.example"]);
    expect(stub.received).toHaveLength(1);
  });

  it("fetches nothing from a redirect target", async () => {
    const target = await startStub(json(200, completion));
    const stub = await startStub((_req, res) => {
      res.writeHead(307, { location: `http://127.0.0.1:${target.port}/v1/chat/completions` });
      res.end();
    });
    const error = await rejection(call(stub.port));
    expect(error).toBeInstanceOf(UpstreamRedirectError);
    expect(stub.received).toHaveLength(1);
    expect(target.received).toHaveLength(0);
  });

  it("times out against a server that never answers", async () => {
    const stub = await startStub(() => undefined);
    const error = await rejection(call(stub.port, { timeoutMs: 200 }));
    expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect(error).toMatchObject({ code: "upstream_timeout", timeoutMs: 200 });
  });

  it("times out against a server that stalls mid-body", async () => {
    const stub = await startStub((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"choices": [');
    });
    const error = await rejection(call(stub.port, { timeoutMs: 200 }));
    expect(error).toBeInstanceOf(UpstreamTimeoutError);
  });

  it("stops when the caller's signal aborts mid-request", async () => {
    const controller = new AbortController();
    const stub = await startStub(() => controller.abort(new Error("client went away")));
    const error = await rejection(call(stub.port, { signal: controller.signal }));
    expect(error).toBeInstanceOf(UpstreamAbortedError);
    expect(error.code).toBe("upstream_aborted");
  });

  it("does not start when the caller's signal is already aborted", async () => {
    const stub = await startStub(json(200, completion));
    const error = await rejection(call(stub.port, { signal: AbortSignal.abort() }));
    expect(error).toBeInstanceOf(UpstreamAbortedError);
    expect(stub.received).toHaveLength(0);
  });

  it("times out while a hanging resolver is still thinking", async () => {
    const resolver: Resolver = () => new Promise(() => undefined);
    const error = await rejection(call(80, { endpoint: "http://slow.example", resolver, timeoutMs: 100 }));
    expect(error).toBeInstanceOf(UpstreamTimeoutError);
  });

  it("aborts a streamed 5 MB body at the size cap", async () => {
    const stub = await startStub((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const pump = (): void => {
        while (sent < 5 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) {
            res.once("drain", pump);
            return;
          }
        }
        res.end();
      };
      res.on("error", () => undefined);
      pump();
    });
    const error = await rejection(call(stub.port, { maxResponseBytes: 1024 * 1024 }));
    expect(error).toBeInstanceOf(UpstreamResponseTooLargeError);
    expect(error).toMatchObject({ code: "upstream_response_too_large", maxResponseBytes: 1024 * 1024 });
  });

  it("refuses a declared Content-Length above the cap without waiting for the body", async () => {
    // The body never arrives, so only the declared length can produce this error (otherwise: timeout).
    const stub = await startStub((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": 10 * 1024 * 1024 });
      res.write("{");
    });
    const error = await rejection(call(stub.port, { maxResponseBytes: 1024, timeoutMs: 2_000 }));
    expect(error).toBeInstanceOf(UpstreamResponseTooLargeError);
  });

  it("turns HTTP 500 into UpstreamHttpError", async () => {
    const stub = await startStub(json(500, { error: "boom" }));
    const error = await rejection(call(stub.port));
    expect(error).toBeInstanceOf(UpstreamHttpError);
    expect(error).toMatchObject({ code: "upstream_http_error", status: 500 });
  });

  it.each([
    ["text/html", "<html>hi</html>"],
    ["text/plain", JSON.stringify(completion)],
    ["application/json", "{not json"],
    ["application/json", '"just a string"'],
  ])("refuses a %s body %j", async (contentType, text) => {
    const stub = await startStub(json(200, text, contentType));
    const error = await rejection(call(stub.port));
    expect(error).toBeInstanceOf(UpstreamInvalidResponseError);
  });

  it("refuses a compressed body", async () => {
    const stub = await startStub((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      res.end(JSON.stringify(completion));
    });
    expect(await rejection(call(stub.port))).toBeInstanceOf(UpstreamInvalidResponseError);
  });

  it.each([
    ["no choices", { ...completion, choices: [] }],
    ["numeric content", { ...completion, choices: [{ index: 0, message: { role: "assistant", content: 42 } }] }],
    ["missing first content", { ...completion, choices: [{ index: 0, message: { role: "assistant" } }] }],
    ["wrong object", { ...completion, object: "text_completion" }],
    ["negative usage", { ...completion, usage: { prompt_tokens: -1, completion_tokens: 1, total_tokens: 0 } }],
  ])("refuses a chat.completion with %s", async (_label, value) => {
    const stub = await startStub(json(200, value));
    const error = await rejection(call(stub.port));
    expect(error).toBeInstanceOf(UpstreamInvalidResponseError);
    expect(error.code).toBe("upstream_invalid_response");
  });

  it("accepts null content when the answer is tool calls", async () => {
    const toolCalls = [{ id: "call_1", type: "function", function: { name: "f", arguments: "{}" } }];
    const answer = {
      ...completion,
      choices: [{ index: 0, message: { role: "assistant", content: null, tool_calls: toolCalls } }],
    };
    const stub = await startStub(json(200, answer));
    await expect(call(stub.port)).resolves.toMatchObject({ completion: answer });
  });

  it("accepts a minimal completion and keeps unknown fields", async () => {
    const minimal = { choices: [{ message: { content: "ok" } }], system_fingerprint: "fp" };
    const stub = await startStub(json(200, minimal, "application/vnd.kho+json"));
    await expect(call(stub.port)).resolves.toMatchObject({ completion: minimal });
  });

  it("reports a refused connection as UpstreamConnectionError", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await rejection(call(port));
    expect(error).toBeInstanceOf(UpstreamConnectionError);
    expect(error.code).toBe("upstream_connection_error");
  });

  it.each<[string, Partial<ForwardChatCompletionParameters>]>([
    ["zero timeout", { timeoutMs: 0 }],
    ["fractional timeout", { timeoutMs: 1.5 }],
    ["zero size cap", { maxResponseBytes: 0 }],
    ["array body", { body: [] as unknown as Record<string, unknown> }],
    ["streaming body", { body: { ...body, stream: true } }],
    ["bigint in body", { body: { n: 1n } }],
    ["host header", { headers: { Host: "metadata.internal" } }],
    ["content-length header", { headers: { "Content-Length": "1" } }],
    ["header injection", { headers: { "x-a": "1\r\nx-b: 2" } }],
    ["bad header name", { headers: { "x a": "1" } }],
  ])("refuses a %s before connecting", async (_label, overrides) => {
    const stub = await startStub(json(200, completion));
    const error = await rejection(call(stub.port, overrides));
    expect(error).toBeInstanceOf(UpstreamInvalidRequestError);
    expect(stub.received).toHaveLength(0);
  });
});
