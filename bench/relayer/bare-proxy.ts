import http from "node:http";
import type { AddressInfo } from "node:net";
import { readBody } from "./read-body";

export type BareProxy = { url: string; close(): Promise<void> };

/**
 * The least a server in the relayer's place can do: node:http alone, reading the JSON body,
 * forwarding it to the stub over a keep-alive agent and answering with the stub's completion
 * re-serialized. No framework, validation, logging, receipts or store. Measured in the relayer's
 * process, it is the floor of CPU per request on this machine that every relayer row builds on.
 */
export async function startBareProxy(upstreamUrl: string): Promise<BareProxy> {
  const upstream = new URL("/v1/chat/completions", upstreamUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const fail = (res: http.ServerResponse, status: number, message: string) => {
    if (res.headersSent) return void res.destroy();
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { message } }));
  };
  /** `text` parsed and serialized again, as a JSON server would; null when it is not JSON. */
  const reserialized = (text: string): string | null => {
    try {
      return JSON.stringify(JSON.parse(text));
    } catch {
      return null;
    }
  };
  const answer = (res: http.ServerResponse) => (upstreamRes: http.IncomingMessage) =>
    readBody(upstreamRes, (text) => {
      const body = reserialized(text);
      if (body === null) return fail(res, 502, "The upstream answer is not JSON.");
      res.writeHead(upstreamRes.statusCode ?? 502, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
      });
      res.end(body);
    });
  const server = http.createServer((req, res) =>
    readBody(req, (text) => {
      const payload = reserialized(text);
      if (payload === null) return fail(res, 400, "The body is not JSON.");
      const headers = { "content-type": "application/json", "content-length": Buffer.byteLength(payload) };
      const forwarded = http.request(upstream, { method: "POST", agent, headers }, answer(res));
      forwarded.on("error", (error) => fail(res, 502, error.message));
      forwarded.end(payload);
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
