import OpenAI from "openai";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assembleStreamedMessage, canonicalJsonHash, type KhoReceiptJson } from "../../src/protocol";
import { createApiKey } from "../../src/relayer/auth/api-keys";
import { createUpstreamForwarder } from "../../src/relayer/services/upstream-forwarder";
import { parseDeploymentSettings } from "../../src/relayer/upstream/deployment-settings";
import { type Dialect, type DialectStub, startDialectStub } from "./helpers/dialect-stub";
import { listen } from "./helpers/listen";
import { type TestRelayer, startTestRelayer } from "./helpers/test-app";

/**
 * One case per recipe in docs/backends.md: the endpoint a builder registers, the operator's
 * KHO_UPSTREAM_DEPLOYMENTS_FILE entry, and a loopback stub that speaks that server's dialect.
 */
const recipes: { dialect: Dialect; settings: Record<string, unknown> }[] = [
  {
    // `ollama serve`: OpenAI API under /v1, no key, models named like llama3.2:3b.
    dialect: {
      name: "Ollama",
      apiPath: "/v1",
      registeredPath: "/v1",
      model: "llama3.2:3b",
      eol: "\n",
      usage: "when-asked",
    },
    settings: { upstreamModel: "llama3.2:3b" },
  },
  {
    // `vllm serve Qwen/Qwen2.5-1.5B-Instruct --api-key …`: Bearer key, the Hugging Face repo id as model.
    dialect: {
      name: "vLLM",
      apiPath: "/v1",
      registeredPath: "/v1",
      auth: { header: "authorization", value: "Bearer vllm-secret" },
      model: "Qwen/Qwen2.5-1.5B-Instruct",
      eol: "\n",
      usage: "when-asked",
    },
    settings: { apiKey: "vllm-secret", upstreamModel: "Qwen/Qwen2.5-1.5B-Instruct" },
  },
  {
    // `llama-server -m model.gguf --api-key …`: registered without /v1; it serves whatever model it loaded.
    dialect: {
      name: "llama.cpp server",
      apiPath: "/v1",
      registeredPath: "",
      auth: { header: "authorization", value: "Bearer llama-secret" },
      eol: "\n",
      usage: "always",
    },
    settings: { apiKey: "llama-secret" },
  },
  {
    // LiteLLM proxy: its virtual key in x-litellm-api-key, a model_name alias from its config.
    dialect: {
      name: "LiteLLM",
      apiPath: "/v1",
      registeredPath: "",
      auth: { header: "x-litellm-api-key", value: "sk-litellm-virtual" },
      model: "kho-pho",
      eol: "\r\n",
      usage: "when-asked",
    },
    settings: { apiKey: "sk-litellm-virtual", apiKeyHeader: "x-litellm-api-key", upstreamModel: "kho-pho" },
  },
  {
    // OpenRouter: https://openrouter.ai/api/v1, Bearer key, vendor/model ids, keep-alive comments while it waits.
    dialect: {
      name: "OpenRouter",
      apiPath: "/api/v1",
      registeredPath: "/api/v1",
      auth: { header: "authorization", value: "Bearer sk-or-v1-test" },
      model: "meta-llama/llama-3.2-3b-instruct",
      eol: "\n",
      comments: ": OPENROUTER PROCESSING",
      usage: "always",
    },
    settings: { apiKey: "sk-or-v1-test", upstreamModel: "meta-llama/llama-3.2-3b-instruct" },
  },
];

describe.each(recipes)("backend recipe: $dialect.name", ({ dialect, settings }) => {
  let r: TestRelayer;
  let stub: DialectStub;
  let server: { url: string; close(): Promise<void> };
  let client: OpenAI;

  beforeAll(async () => {
    stub = await startDialectStub(dialect);
    r = await startTestRelayer({
      forward: createUpstreamForwarder({
        timeoutMs: 5_000,
        maxResponseBytes: 1 << 20,
        allowLoopback: true,
        deploymentSettings: parseDeploymentSettings({ "11": settings }),
      }),
    });
    r.directory.deployments[0]!.endpoint = `${stub.origin}${dialect.registeredPath}`;
    server = await listen(r.app);
    const key = (await createApiKey(r.store, { owner: "0x00000000000000000000000000000000000000aa", label: "t" })).key;
    client = new OpenAI({ apiKey: key, baseURL: `${server.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await server.close();
    await stub.close();
    await r.close();
  });

  const messages = [{ role: "user" as const, content: "Cá kho?" }];

  it("answers a plain call with the operator's key and the upstream's model name", async () => {
    const completion = await client.chat.completions.create({ model: "pho-vi", messages });
    expect(completion.choices[0]!.message.content).toBe("echo: Cá kho?");
    const call = stub.calls.at(-1)!;
    expect(call.path).toBe(`${dialect.apiPath}/chat/completions`);
    expect(call.body.model).toBe(dialect.model ?? "pho-vi");
    if (dialect.auth) expect(call.headers[dialect.auth.header]).toBe(dialect.auth.value);
  });

  it("streams in that server's format and ends with the receipt", async () => {
    const chunks: (ChatCompletionChunk & { kho_receipt?: KhoReceiptJson })[] = [];
    const stream = await client.chat.completions.create({
      model: "pho-vi",
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("")).toBe("echo: Cá kho?");
    expect(chunks.some((c) => c.usage)).toBe(true);
    const receipt = chunks.at(-1)!.kho_receipt!;
    expect(receipt.outputHash).toBe(canonicalJsonHash(assembleStreamedMessage(chunks)));
    expect((await r.store.receipts.find(receipt.hash))?.receipt.deploymentId).toBe(11n);
  });

  it("answers 502 and receipts nothing when the operator's key is wrong", async () => {
    if (!dialect.auth) return;
    await r.close();
    r = await startTestRelayer({
      forward: createUpstreamForwarder({
        timeoutMs: 5_000,
        maxResponseBytes: 1 << 20,
        allowLoopback: true,
        deploymentSettings: parseDeploymentSettings({ "11": { ...settings, apiKey: "wrong" } }),
      }),
    });
    r.directory.deployments[0]!.endpoint = `${stub.origin}${dialect.registeredPath}`;
    await server.close();
    server = await listen(r.app);
    const key = (await createApiKey(r.store, { owner: "0x00000000000000000000000000000000000000aa", label: "t" })).key;
    const denied = await new OpenAI({ apiKey: key, baseURL: `${server.url}/v1`, maxRetries: 0 }).chat.completions
      .create({ model: "pho-vi", messages })
      .catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(OpenAI.InternalServerError);
    expect(denied).toMatchObject({ status: 502, code: "upstream_error" });
    expect((await r.store.receipts.countByStatus()).unbatched).toBe(0);
  });
});
