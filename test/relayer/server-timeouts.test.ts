import type { Server } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createRelayerHttpServer } from "../../src/relayer/http/http-server";

describe("relayer HTTP server timeouts", () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  async function start(limits: { headersTimeoutMs: number; requestTimeoutMs: number; keepAliveTimeoutMs: number }) {
    server = createRelayerHttpServer((_req, res) => res.end("ok"), { ...limits, maxConnectionsPerIp: 8 });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    return (server.address() as AddressInfo).port;
  }

  /** Opens a socket, writes `text`, and resolves with everything the server sent and how long it held the socket. */
  function exchange(port: number, text: string) {
    return new Promise<{ reply: string; heldMs: number }>((resolve) => {
      const started = Date.now();
      const socket = connect(port, "127.0.0.1", () => socket.write(text));
      let reply = "";
      socket.setEncoding("utf8");
      socket.on("data", (chunk: string) => (reply += chunk));
      socket.on("close", () => resolve({ reply, heldMs: Date.now() - started }));
    });
  }

  it("answers 408 and closes a client that never finishes its headers, at the configured timeout", async () => {
    const port = await start({ headersTimeoutMs: 500, requestTimeoutMs: 2_000, keepAliveTimeoutMs: 500 });
    // With Node's default 30 s check interval this socket would stay open far past 500 ms.
    const { reply, heldMs } = await exchange(port, "GET / HTTP/1.1\r\nHost: x\r\n");
    expect(reply).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(heldMs).toBeLessThan(10_000);
  });

  it("closes an idle keep-alive connection after the keep-alive timeout", async () => {
    const port = await start({ headersTimeoutMs: 5_000, requestTimeoutMs: 10_000, keepAliveTimeoutMs: 300 });
    const { reply, heldMs } = await exchange(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(reply).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(reply).toContain("Keep-Alive: timeout=");
    // Node's default keep-alive timeout is 5 s; the configured 300 ms is what holds.
    expect(heldMs).toBeLessThan(3_000);
  });
});
