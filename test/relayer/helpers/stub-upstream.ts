import http from "node:http";
import type { AddressInfo } from "node:net";

export type StubUpstream = {
  url: string;
  calls: { body: Record<string, unknown> }[];
  /** Override the next answers: status and body, or "hang" to never answer. */
  behavior: { status: number; body?: unknown; hang?: boolean };
  close(): Promise<void>;
};

/** A model deployment on 127.0.0.1 that echoes the last user message back as a chat.completion. */
export async function startStubUpstream(): Promise<StubUpstream> {
  const calls: StubUpstream["calls"] = [];
  const stub: Partial<StubUpstream> = { calls, behavior: { status: 200 } };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
      calls.push({ body });
      const behavior = stub.behavior!;
      if (behavior.hang) return;
      const messages = body.messages as { content: unknown }[];
      const last = messages[messages.length - 1]?.content;
      const answer = behavior.body ?? {
        id: `chatcmpl-${calls.length}`,
        object: "chat.completion",
        created: 1_700_000_000,
        model: body.model,
        choices: [
          { index: 0, message: { role: "assistant", content: `echo: ${String(last)}` }, finish_reason: "stop" },
        ],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      };
      res.writeHead(behavior.status, { "content-type": "application/json" });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  stub.url = `http://127.0.0.1:${port}`;
  stub.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return stub as StubUpstream;
}
