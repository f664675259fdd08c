import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createEndpointPolicy } from "./endpoint-policy";
import { UpstreamBlockedError, UpstreamHttpError } from "./errors";
import {
  createUpstreamConnections,
  forwardChatCompletion,
  type ForwardChatCompletionParameters,
  type UpstreamConnections,
} from "./forward-chat-completion";
import type { Resolver } from "./resolve-pinned";

/** One request as the stub saw it: which connection (numbered in order of arrival) and which local address. */
type Seen = { connection: number; localAddress: string; host: string | undefined };
type Stub = { port: number; seen: Seen[]; connections: number };

const servers: Server[] = [];
const pools: UpstreamConnections[] = [];

afterEach(async () => {
  for (const pool of pools.splice(0)) pool.close();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

const completion = {
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1_700_000_000,
  model: "pho-7b",
  choices: [{ index: 0, message: { role: "assistant", content: "Kho cá." }, finish_reason: "stop" }],
};

/**
 * A deployment on every local address (so 127.0.0.1 and 127.0.0.2 reach it on one port) that
 * numbers its connections. `handle` answers each request; by default with a completion.
 */
async function startStub(
  handle: (req: IncomingMessage, res: ServerResponse, nth: { connection: number; request: number }) => void = (
    _req,
    res,
  ) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(completion));
  },
): Promise<Stub> {
  const stub: Stub = { port: 0, seen: [], connections: 0 };
  const ids = new WeakMap<Socket, { connection: number; requests: number }>();
  const server = createServer((req, res) => {
    const socket = req.socket;
    const id = ids.get(socket)!;
    id.requests++;
    stub.seen.push({ connection: id.connection, localAddress: socket.localAddress ?? "", host: req.headers.host });
    req.resume();
    req.on("end", () => handle(req, res, { connection: id.connection, request: id.requests }));
  });
  server.on("connection", (socket: Socket) => ids.set(socket, { connection: ++stub.connections, requests: 0 }));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "0.0.0.0", resolve));
  stub.port = (server.address() as AddressInfo).port;
  return stub;
}

function pool(): UpstreamConnections {
  const connections = createUpstreamConnections();
  pools.push(connections);
  return connections;
}

const loopback = createEndpointPolicy({ allowLoopback: true });

function call(
  endpoint: string,
  connections: UpstreamConnections,
  overrides: Partial<ForwardChatCompletionParameters> = {},
): ReturnType<typeof forwardChatCompletion> {
  return forwardChatCompletion({
    endpoint,
    body: { model: "pho-7b", messages: [{ role: "user", content: "Cá kho?" }] },
    timeoutMs: 5_000,
    maxResponseBytes: 64 * 1024,
    policy: loopback,
    connections,
    ...overrides,
  });
}

describe("forwardChatCompletion with keep-alive connections", () => {
  it("sends consecutive calls to one address over one connection", async () => {
    const stub = await startStub();
    const connections = pool();
    for (let i = 0; i < 3; i++) {
      const result = await call(`http://127.0.0.1:${stub.port}`, connections);
      expect(result.completion).toEqual(completion);
    }
    expect(stub.seen.map((s) => s.connection)).toEqual([1, 1, 1]);
  });

  it("opens a new connection to the new pinned address when the name resolves elsewhere", async () => {
    const stub = await startStub();
    const connections = pool();
    const answers = ["127.0.0.1", "127.0.0.2", "127.0.0.1"];
    const resolver: Resolver = async () => [{ address: answers.shift()!, family: 4 }];
    const endpoint = `http://models.example:${stub.port}`;
    const pinned: string[] = [];
    for (let i = 0; i < 3; i++) pinned.push((await call(endpoint, connections, { resolver })).upstreamAddress);
    expect(pinned).toEqual(["127.0.0.1", "127.0.0.2", "127.0.0.1"]);
    // Each request arrived on the address it was pinned to; the pooled 127.0.0.1 socket served the
    // third call, never the second.
    expect(stub.seen).toEqual([
      { connection: 1, localAddress: "127.0.0.1", host: endpoint.slice("http://".length) },
      { connection: 2, localAddress: "127.0.0.2", host: endpoint.slice("http://".length) },
      { connection: 1, localAddress: "127.0.0.1", host: endpoint.slice("http://".length) },
    ]);
  });

  it("checks every call against the policy even while a connection to the name is pooled", async () => {
    const stub = await startStub();
    const connections = pool();
    const answers = ["127.0.0.1", "169.254.169.254"];
    const resolver: Resolver = async () => [{ address: answers.shift()!, family: 4 }];
    const endpoint = `http://rebind.example:${stub.port}`;
    await call(endpoint, connections, { resolver });
    const error = await call(endpoint, connections, { resolver }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(UpstreamBlockedError);
    expect(error).toMatchObject({ reason: "link-local", address: "169.254.169.254" });
    expect(stub.seen).toHaveLength(1);
  });

  it("sends a call again on a fresh connection when the pooled one was closed under it", async () => {
    // The deployment drops every connection at its second request without answering, as a server
    // does when its keep-alive timer fires just as the request arrives.
    const stub = await startStub((_req, res, nth) => {
      if (nth.request === 2) {
        res.socket?.destroy();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(completion));
    });
    const connections = pool();
    const endpoint = `http://127.0.0.1:${stub.port}`;
    await call(endpoint, connections);
    const result = await call(endpoint, connections);
    expect(result.completion).toEqual(completion);
    expect(stub.seen.map((s) => s.connection)).toEqual([1, 1, 2]);
  });

  it("does not pool the connection of a failed call", async () => {
    let answered = 0;
    const stub = await startStub((_req, res) => {
      answered++;
      res.writeHead(answered === 1 ? 500 : 200, { "content-type": "application/json" });
      res.end(JSON.stringify(answered === 1 ? { error: { message: "boom" } } : completion));
    });
    const connections = pool();
    const endpoint = `http://127.0.0.1:${stub.port}`;
    await expect(call(endpoint, connections)).rejects.toBeInstanceOf(UpstreamHttpError);
    await call(endpoint, connections);
    expect(stub.seen.map((s) => s.connection)).toEqual([1, 2]);
  });
});
