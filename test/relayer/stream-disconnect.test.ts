import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { canonicalJsonHash } from "../../src/protocol";
import { createApiKey } from "../../src/relayer/auth/api-keys";
import { listen } from "./helpers/listen";
import { type TestRelayer, startTestRelayer } from "./helpers/test-app";

const chunk = (delta: Record<string, unknown>) =>
  `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta }] })}\n\n`;

/** A streaming upstream that sends `first` at once and then waits (until the relayer hangs up, or `rest` is released). */
async function slowUpstream(first: string[], rest: string[] = []) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let closed!: () => void;
  const upstreamClosed = new Promise<void>((resolve) => (closed = resolve));
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { "content-type": "text/event-stream" });
    for (const event of first) res.write(event);
    res.on("close", closed);
    void released.then(() => {
      for (const event of rest) res.write(event);
      res.end("data: [DONE]\n\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    release,
    upstreamClosed,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe("a streaming client that disconnects", () => {
  let r: TestRelayer;
  let relayer: { url: string; close(): Promise<void> };
  let key: string;
  beforeEach(async () => {
    r = await startTestRelayer();
    relayer = await listen(r.app);
    key = (await createApiKey(r.store, { owner: "0x00000000000000000000000000000000000000aa", label: "t" })).key;
  });
  afterEach(async () => {
    await relayer.close();
    await r.close();
  });

  /** Opens a streaming call, waits until `events` data lines arrived, then drops the connection. */
  function openAndDrop(events: number): Promise<{ requestId: string; received: string }> {
    return new Promise((resolve, reject) => {
      const { port } = new URL(relayer.url);
      const req = http.request(
        {
          host: "127.0.0.1",
          port: Number(port),
          method: "POST",
          path: "/v1/chat/completions",
          headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        },
        (res) => {
          let received = "";
          res.on("data", (piece: Buffer) => {
            received += piece.toString();
            if ((received.match(/^data: /gm) ?? []).length >= events) {
              req.destroy();
              resolve({ requestId: String(res.headers["x-kho-request-id"]), received });
            }
          });
        },
      );
      req.on("error", (error) => (req.destroyed ? undefined : reject(error)));
      req.end(JSON.stringify({ model: "pho-vi", messages: [{ role: "user", content: "hi" }], stream: true }));
    });
  }

  async function eventually<T>(read: () => Promise<T | undefined>): Promise<T> {
    // The signer's worker thread can take seconds to start on a busy machine.
    for (let i = 0; i < 2000; i++) {
      const value = await read();
      if (value !== undefined) return value;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error("timed out waiting");
  }

  it("receipts exactly what was delivered, retrievable by the request id, and cancels the upstream", async () => {
    const upstream = await slowUpstream(
      [chunk({ role: "assistant", content: "" }), chunk({ content: "Cá " })],
      [chunk({ content: "kho" })],
    );
    r.directory.deployments[0]!.endpoint = upstream.url;
    const { requestId } = await openAndDrop(2);
    await upstream.upstreamClosed;
    const stored = await eventually(async () => (await r.store.receipts.find(requestId as `0x${string}`)) ?? undefined);
    // The receipt commits to the one content chunk the client got, not to the answer it never saw.
    expect(stored.receipt.outputHash).toBe(canonicalJsonHash({ role: "assistant", content: "Cá " }));
    expect(stored.receipt.deploymentId).toBe(11n);
    upstream.release();
    await upstream.close();
  });

  it("receipts (and so charges) nothing when no output reached the client", async () => {
    const upstream = await slowUpstream([chunk({ role: "assistant", content: "" }), chunk({})]);
    r.directory.deployments[0]!.endpoint = upstream.url;
    const { requestId } = await openAndDrop(2);
    await upstream.upstreamClosed;
    // A later call's receipt is signed after any the dropped call could have asked for: once it is
    // stored, the dropped call's would be too.
    r.directory.deployments[0]!.endpoint = r.upstream.url;
    const later = await fetch(`${relayer.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: "pho-vi", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(later.status).toBe(200);
    expect(await r.store.receipts.find(requestId as `0x${string}`)).toBeNull();
    expect((await r.store.receipts.countByStatus()).unbatched).toBe(1);
    upstream.release();
    await upstream.close();
  });

  it("ends with an error event and no receipt when the deployment breaks mid-stream", async () => {
    const server = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(chunk({ content: "Cá " }));
      setTimeout(() => res.destroy(), 20);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    r.directory.deployments[0]!.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const res = await fetch(`${relayer.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: "pho-vi", messages: [{ role: "user", content: "hi" }], stream: true }),
    });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toContain('"content":"Cá "');
    expect(text).toMatch(/data: \{"error":\{"message":"The model deployment failed \(upstream_connection_error\)\."/);
    expect(text).not.toContain("[DONE]");
    expect(text).not.toContain("kho_receipt");
    expect((await r.store.receipts.countByStatus()).unbatched).toBe(0);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
