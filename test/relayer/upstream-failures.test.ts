import http from "node:http";
import type { AddressInfo } from "node:net";
import request from "supertest";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { chatInputHash } from "../../src/protocol";
import { createApiKey } from "../../src/relayer/auth/api-keys";
import { relayerErrorFromUpstream } from "../../src/relayer/errors";
import type { UpstreamForwarder } from "../../src/relayer/ports";
import { createUpstreamForwarder } from "../../src/relayer/services/upstream-forwarder";
import {
  UpstreamAbortedError,
  UpstreamBlockedError,
  UpstreamConnectionError,
  UpstreamInvalidEndpointError,
  UpstreamInvalidRequestError,
  UpstreamRedirectError,
  UpstreamTimeoutError,
} from "../../src/relayer/upstream/errors";
import { type TestRelayer, startTestRelayer } from "./helpers/test-app";

const owner = "0x00000000000000000000000000000000000000aa" as const;
const messages = [{ role: "user" as const, content: "Cá kho tộ?" }];

describe("relayerErrorFromUpstream", () => {
  const secret = "10.1.2.3";
  const cases = [
    [new UpstreamTimeoutError(1000), 504, "upstream_timeout"],
    [new UpstreamAbortedError(), 499, "client_closed_request"],
    [new UpstreamInvalidRequestError(`bad header for ${secret}`), 500, "internal_error"],
    [
      new UpstreamInvalidEndpointError(`http://${secret}/v1`, `bad endpoint http://${secret}/v1`),
      502,
      "upstream_error",
    ],
    [
      new UpstreamBlockedError({ hostname: "model.example", address: secret, reason: "private" }),
      502,
      "upstream_error",
    ],
    [new UpstreamRedirectError(302, `http://${secret}/admin`), 502, "upstream_error"],
    [new UpstreamConnectionError(`connect ECONNREFUSED ${secret}:443`), 502, "upstream_error"],
    [new Error(`something at ${secret}`), 502, "upstream_error"],
  ] as const;

  it.each(cases)("maps %s to a stable code without upstream-controlled text", (error, status, code) => {
    const mapped = relayerErrorFromUpstream(error);
    expect([mapped.status, mapped.code]).toEqual([status, code]);
    expect(JSON.stringify(mapped.toBody())).not.toContain(secret);
    expect(mapped.cause).toBe(error);
  });

  it("names the upstream's stable code in the message", () => {
    expect(relayerErrorFromUpstream(new UpstreamRedirectError(302, "http://x/")).message).toBe(
      "The model deployment failed (upstream_redirect).",
    );
    expect(relayerErrorFromUpstream(new UpstreamInvalidEndpointError("ftp://x", "bad")).message).toBe(
      "The model deployment's registered endpoint cannot be used (upstream_invalid_endpoint).",
    );
  });
});

describe("the chat completion route and its upstream", () => {
  let r: TestRelayer;
  let key: string;
  let forward: UpstreamForwarder["complete"] | undefined;
  const seen: { signal?: AbortSignal }[] = [];

  beforeEach(async () => {
    seen.length = 0;
    const real = createUpstreamForwarder({ timeoutMs: 30_000, maxResponseBytes: 1 << 20, allowLoopback: true });
    r = await startTestRelayer({
      forward: {
        complete: (params) => {
          seen.push({ signal: params.signal });
          return (forward ?? real.complete)(params);
        },
        stream: real.stream,
      },
    });
    key = (await createApiKey(r.store, { owner, label: "t" })).key;
  });
  afterEach(async () => {
    forward = undefined;
    await r.close();
  });

  it("hashes the input exactly as the protocol's chatInputHash", async () => {
    const withParts = [
      { role: "system" as const, content: [{ type: "text" as const, text: "Trả lời ngắn." }], name: "cook" },
      ...messages,
    ];
    const res = await request(r.app)
      .post("/v1/chat/completions")
      .set("Content-Type", "application/json")
      .set("Authorization", `Bearer ${key}`)
      .send(JSON.stringify({ model: "pho-vi", messages: withParts }));
    expect(res.status).toBe(200);
    expect(res.body.kho_receipt.inputHash).toBe(chatInputHash({ messages: withParts }));
    expect(seen[0]!.signal).toBeInstanceOf(AbortSignal);
  });

  it("answers with the stable code only, never the upstream's address or Location", async () => {
    forward = async () => {
      throw new UpstreamRedirectError(302, "http://169.254.169.254/latest/meta-data");
    };
    const res = await request(r.app)
      .post("/v1/chat/completions")
      .set("Content-Type", "application/json")
      .set("Authorization", `Bearer ${key}`)
      .send(JSON.stringify({ model: "pho-vi", messages }));
    expect([res.status, res.body.error.code]).toEqual([502, "upstream_error"]);
    expect(res.text).not.toContain("169.254");
    expect(res.headers.location).toBeUndefined();
  });

  it("cancels the upstream call when the client disconnects", async () => {
    // An upstream that never answers and reports when the relayer hangs up on it.
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
    let upstreamReached!: () => void;
    const reached = new Promise<void>((resolve) => (upstreamReached = resolve));
    const upstream = http.createServer((req) => {
      req.resume();
      req.socket.once("close", upstreamClosed);
      upstreamReached();
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    r.directory.deployments[0]!.endpoint = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const server = r.app.listen(0, "127.0.0.1");
    await new Promise<void>((resolve) => server.once("listening", resolve));
    try {
      const client = http.request({
        host: "127.0.0.1",
        port: (server.address() as AddressInfo).port,
        method: "POST",
        path: "/v1/chat/completions",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${key}` },
      });
      client.on("error", () => undefined);
      client.end(JSON.stringify({ model: "pho-vi", messages }));
      await reached;
      expect(seen[0]!.signal!.aborted).toBe(false);
      client.destroy();
      // Resolves only because the relayer aborted its upstream call: the upstream itself never ends it
      // and the forwarder's own timeout (30 s) is far beyond the test's.
      await closed;
      expect(seen[0]!.signal!.aborted).toBe(true);
      expect((await r.store.receipts.countByStatus()).unbatched).toBe(0);
    } finally {
      server.closeAllConnections();
      upstream.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => upstream.close(() => resolve()));
    }
  });
});
