import http from "node:http";
import type { AddressInfo } from "node:net";
import { readBody } from "./read-body";

export type StubUpstream = { url: string; close(): Promise<void> };

/**
 * A model deployment on 127.0.0.1 that answers every chat completion at once with a fixed-size
 * echo, so whatever latency the relayer adds on top of it is the relayer's own.
 */
export async function startStubUpstream(): Promise<StubUpstream> {
  let served = 0;
  const server = http.createServer((req, res) => {
    readBody(req, (text) => {
      served++;
      let model = "unknown";
      try {
        const body = JSON.parse(text) as { model?: unknown };
        if (typeof body.model === "string") model = body.model;
      } catch {
        res.writeHead(400, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: "The body is not JSON." } }));
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          id: `chatcmpl-${served}`,
          object: "chat.completion",
          created: 1_750_000_000,
          model,
          choices: [
            {
              index: 0,
              message: { role: "assistant", content: "Cá kho: kho cá trong nồi đất." },
              finish_reason: "stop",
            },
          ],
          usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 },
        }),
      );
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
