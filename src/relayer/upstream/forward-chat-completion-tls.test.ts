import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEndpointPolicy } from "./endpoint-policy";
import { UpstreamConnectionError } from "./errors";
import { forwardChatCompletion } from "./forward-chat-completion";

// A throwaway self-signed certificate, generated per run with openssl (.ci/run installs it when
// missing) so no key material lives in the repository.
describe("forwardChatCompletion over https", () => {
  const sniNames: string[] = [];
  let requests = 0;
  let server: Server;
  let port: number;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "kho-upstream-tls-"));
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=models.example"].concat([
        "-addext",
        "subjectAltName=DNS:models.example",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ]),
      { stdio: "ignore" },
    );
    const key = readFileSync(join(dir, "key.pem"));
    const cert = readFileSync(join(dir, "cert.pem"));
    server = createServer(
      {
        key,
        cert,
        SNICallback: (servername, callback) => {
          sniNames.push(servername);
          callback(null);
        },
      },
      (_req, res) => {
        requests += 1;
        res.end();
      },
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("sends the registered name as SNI to the pinned address and still verifies the certificate", async () => {
    const error = await forwardChatCompletion({
      endpoint: `https://models.example:${port}`,
      body: { model: "m", messages: [] },
      timeoutMs: 5_000,
      maxResponseBytes: 1024,
      policy: createEndpointPolicy({ allowLoopback: true }),
      resolver: async () => [{ address: "127.0.0.1", family: 4 }],
    }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(UpstreamConnectionError);
    // Self-signed and not trusted: verification was not switched off.
    expect((error as UpstreamConnectionError).cause).toMatchObject({ code: "DEPTH_ZERO_SELF_SIGNED_CERT" });
    expect(sniNames).toEqual(["models.example"]);
    expect(requests).toBe(0);
  });
});
