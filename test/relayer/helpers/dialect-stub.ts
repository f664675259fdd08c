import http from "node:http";
import type { AddressInfo } from "node:net";

/** How one OpenAI-compatible server speaks: where it mounts the API, what auth and model it wants, how it streams. */
export type Dialect = {
  name: string;
  /** Where the server mounts `/chat/completions` (e.g. "/v1", "/api/v1"). */
  apiPath: string;
  /** The path of the base URL the recipe registers as the deployment endpoint. */
  registeredPath: string;
  /** The header (lower case) and value the server insists on; 401 otherwise. */
  auth?: { header: string; value: string };
  /** The model id the server serves; other ids are 404 (undefined: any id, as llama.cpp does). */
  model?: string;
  eol: "\n" | "\r\n";
  /** SSE comment lines between events (OpenRouter sends ": OPENROUTER PROCESSING"). */
  comments?: string;
  /** Whether a usage chunk ends the stream: always, only with stream_options.include_usage, or never. */
  usage: "always" | "when-asked" | "never";
};

export type DialectStub = {
  origin: string;
  calls: { path: string; headers: http.IncomingHttpHeaders; body: Record<string, unknown> }[];
  close(): Promise<void>;
};

type Message = { role: string; content?: unknown };

function answerFor(body: Record<string, unknown>): {
  content: string | null;
  toolCall?: { name: string; args: string };
} {
  const messages = body.messages as Message[];
  const last = messages[messages.length - 1]!;
  const text = typeof last.content === "string" ? last.content : JSON.stringify(last.content);
  if (last.role === "tool") return { content: `the tool said ${text}` };
  const tools = body.tools as { function?: { name?: string } }[] | undefined;
  const name = tools?.[0]?.function?.name;
  if (name) return { content: null, toolCall: { name, args: JSON.stringify({ dish: "cá kho" }) } };
  return { content: `echo: ${text}` };
}

/** A loopback OpenAI-compatible server in the given dialect: echoes the last message, calls the first tool. */
export async function startDialectStub(dialect: Dialect): Promise<DialectStub> {
  const calls: DialectStub["calls"] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
      calls.push({ path: req.url ?? "", headers: req.headers, body });
      const fail = (status: number, message: string) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message, type: "invalid_request_error", code: status } }));
      };
      if (req.url !== `${dialect.apiPath}/chat/completions`) return fail(404, `no route ${req.url}`);
      if (dialect.auth && req.headers[dialect.auth.header] !== dialect.auth.value) return fail(401, "bad key");
      if (dialect.model !== undefined && body.model !== dialect.model) return fail(404, `model ${String(body.model)}`);
      const answer = answerFor(body);
      const base = { id: `chatcmpl-${calls.length}`, created: 1_700_000_000, model: String(body.model) };
      const usage = { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 };
      const toolCalls = answer.toolCall && [
        { id: "call_1", type: "function", function: { name: answer.toolCall.name, arguments: answer.toolCall.args } },
      ];
      if (body.stream !== true) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            ...base,
            object: "chat.completion",
            choices: [
              {
                index: 0,
                message: {
                  role: "assistant",
                  content: answer.content,
                  ...(toolCalls ? { tool_calls: toolCalls } : {}),
                },
                finish_reason: toolCalls ? "tool_calls" : "stop",
              },
            ],
            usage,
          }),
        );
        return;
      }
      const { eol } = dialect;
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      const event = (data: unknown) => {
        if (dialect.comments) res.write(`${dialect.comments}${eol}${eol}`);
        res.write(`data: ${JSON.stringify(data)}${eol}${eol}`);
      };
      const chunk = (delta: unknown, finish: string | null = null) =>
        event({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish }] });
      chunk({ role: "assistant", content: "" });
      if (answer.toolCall) {
        const args = answer.toolCall.args;
        chunk({
          tool_calls: [
            { index: 0, id: "call_1", type: "function", function: { name: answer.toolCall.name, arguments: "" } },
          ],
        });
        chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(0, 5) } }] });
        chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(5) } }] });
      } else {
        for (const word of answer.content!.split(/(?<= )/)) chunk({ content: word });
      }
      chunk({}, answer.toolCall ? "tool_calls" : "stop");
      const asked = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
      if (dialect.usage === "always" || (dialect.usage === "when-asked" && asked)) {
        event({ ...base, object: "chat.completion.chunk", choices: [], usage });
      }
      res.end(`data: [DONE]${eol}${eol}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
