import { createServer } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { limitConnectionsPerIp } from "../../src/relayer/http/connection-limit";

describe("per-IP connection cap", () => {
  const server = createServer((_req, res) => res.end("ok"));
  let port: number;
  beforeAll(async () => {
    limitConnectionsPerIp(server, 2);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const open = () =>
    new Promise<ReturnType<typeof connect>>((resolve) => {
      const socket = connect(port, "127.0.0.1", () => resolve(socket));
    });
  const answer = (socket: ReturnType<typeof connect>) =>
    new Promise<string>((resolve) => {
      let text = "";
      socket.setEncoding("utf8");
      socket.on("data", (chunk: string) => (text += chunk));
      socket.on("close", () => resolve(text));
    });

  it("answers the connection over the cap 503 with Retry-After and closes it; the held ones still work", async () => {
    const held = [await open(), await open()];
    const third = await open();
    const refused = await answer(third);
    expect(refused).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(refused).toContain("Retry-After: 1\r\n");
    expect(refused).toContain('"code":"too_many_connections"');
    const reply = answer(held[0]!);
    held[0]!.end("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(await reply).toMatch(/^HTTP\/1\.1 200 OK/);
    // A slot freed by a closed connection is usable again.
    const again = await open();
    const ok = answer(again);
    again.end("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(await ok).toMatch(/^HTTP\/1\.1 200 OK/);
    held[1]!.destroy();
  });
});
