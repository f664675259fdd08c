import OpenAI from "openai";
import type { ChatCompletionChunk, ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  assembleStreamedMessage,
  canonicalJsonHash,
  chatInputHash,
  type KhoReceiptJson,
  recoverReceiptSigner,
} from "../../src/protocol";
import { receiptFromJson } from "../../src/protocol/receipt-json";
import { createApiKey } from "../../src/relayer/auth/api-keys";
import { type DialectStub, startDialectStub } from "./helpers/dialect-stub";
import { listen } from "./helpers/listen";
import { CHAIN_ID, LEDGER, type TestRelayer, startTestRelayer } from "./helpers/test-app";

type ReceiptChunk = ChatCompletionChunk & { kho_receipt?: KhoReceiptJson };

async function verifies(receipt: KhoReceiptJson): Promise<boolean> {
  const { hash: _h, signature, signer, ...fields } = receipt;
  return (
    (await recoverReceiptSigner(receiptFromJson(fields), signature, { chainId: CHAIN_ID, ledger: LEDGER })) === signer
  );
}

describe("the official openai client against the relayer", () => {
  let r: TestRelayer;
  let stub: DialectStub;
  let server: { url: string; close(): Promise<void> };
  let client: OpenAI;

  beforeEach(async () => {
    r = await startTestRelayer();
    stub = await startDialectStub({
      name: "openai",
      apiPath: "/v1",
      registeredPath: "/v1",
      eol: "\n",
      usage: "when-asked",
    });
    r.directory.deployments[0]!.endpoint = `${stub.origin}/v1`;
    server = await listen(r.app);
    const key = (await createApiKey(r.store, { owner: "0x00000000000000000000000000000000000000aa", label: "sdk" }))
      .key;
    client = new OpenAI({ apiKey: key, baseURL: `${server.url}/v1`, maxRetries: 0 });
  });
  afterEach(async () => {
    await server.close();
    await stub.close();
    await r.close();
  });

  it("streams the answer in chunks and ends with a receipt that verifies and is stored under its request id", async () => {
    const body = {
      model: "pho-vi",
      messages: [{ role: "user" as const, content: "How do I make cá kho?" }],
      stream: true as const,
      stream_options: { include_usage: true },
    };
    const { data: stream, response } = await client.chat.completions.create(body).withResponse();
    const chunks: ReceiptChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("");
    expect(text).toBe("echo: How do I make cá kho?");
    expect(chunks.filter((c) => c.choices[0]?.delta?.content).length).toBeGreaterThan(3);
    expect(chunks.some((c) => c.usage?.total_tokens === 7)).toBe(true);
    const last = chunks[chunks.length - 1]!;
    expect(last.choices).toEqual([]);
    const receipt = last.kho_receipt!;
    expect(await verifies(receipt)).toBe(true);
    expect(receipt.signer).toBe(r.signer.address);
    expect(receipt.deploymentId).toBe("11");
    // The receipt commits to what was forwarded and to the message the chunks assemble to.
    expect(receipt.inputHash).toBe(chatInputHash(body));
    expect(receipt.outputHash).toBe(canonicalJsonHash(assembleStreamedMessage(chunks)));
    expect(receipt.outputHash).toBe(canonicalJsonHash({ role: "assistant", content: text }));
    expect(response.headers.get("x-kho-request-id")).toBe(receipt.requestId);
    const stored = (await fetch(`${server.url}/v1/receipts/${receipt.requestId}`).then((res) => res.json())) as {
      receipt: KhoReceiptJson;
    };
    expect(stored.receipt).toEqual(receipt);
    // The upstream got the request as sent, under the registered name and with stream options intact.
    expect(stub.calls[0]!.body).toEqual({ ...body, model: "pho-vi" });
  });

  it("round-trips tools, streamed and not, and accepts the tool role", async () => {
    const tools = [
      {
        type: "function" as const,
        function: { name: "find_recipe", parameters: { type: "object", properties: { dish: { type: "string" } } } },
      },
    ];
    const ask = {
      model: "pho-vi",
      messages: [{ role: "user" as const, content: "Recipe?" }],
      tools,
      tool_choice: "auto" as const,
    };
    const first = await client.chat.completions.create({ ...ask, parallel_tool_calls: false, seed: 7, top_p: 0.9 });
    const call = first.choices[0]!.message.tool_calls![0]!;
    expect(call.type === "function" && call.function).toEqual({ name: "find_recipe", arguments: '{"dish":"cá kho"}' });

    const streamed: ReceiptChunk[] = [];
    for await (const chunk of await client.chat.completions.create({ ...ask, stream: true })) streamed.push(chunk);
    const assembled = assembleStreamedMessage(streamed);
    expect(assembled.tool_calls).toEqual([first.choices[0]!.message.tool_calls![0]]);
    expect(streamed.at(-1)!.kho_receipt!.outputHash).toBe(canonicalJsonHash(assembled));

    const second = await client.chat.completions.create({
      model: "pho-vi",
      tools,
      messages: [
        ...ask.messages,
        { role: "assistant", content: null, tool_calls: first.choices[0]!.message.tool_calls },
        { role: "tool", tool_call_id: call.id, content: "braise fish in caramel" },
      ],
    });
    expect(second.choices[0]!.message.content).toBe("the tool said braise fish in caramel");
  });

  it("accepts every field of the API and content parts, and forwards them", async () => {
    const body: ChatCompletionCreateParamsNonStreaming = {
      model: "1",
      messages: [
        { role: "developer", content: "Short answers." },
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image_url", image_url: { url: "data:image/png;base64,AAAA", detail: "low" } },
            { type: "input_audio", input_audio: { data: "AAAA", format: "wav" } },
            { type: "file", file: { file_data: "data:application/pdf;base64,AAAA", filename: "recipe.pdf" } },
          ],
        },
      ],
      response_format: { type: "json_schema", json_schema: { name: "dish", schema: { type: "object" } } },
      n: 1,
      stop: ["\n\n"],
      frequency_penalty: 0.1,
      presence_penalty: 0.2,
      logit_bias: { "50256": -100 },
      logprobs: true,
      top_logprobs: 2,
      max_completion_tokens: 64,
      metadata: { app: "kitchen" },
      store: false,
      reasoning_effort: "low",
      modalities: ["text"],
      temperature: 0.3,
      user: "alice",
    };
    const completion = await client.chat.completions.create(body);
    expect(completion.choices[0]!.message.content).toMatch(/^echo: /);
    const { user: _user, ...forwarded } = body;
    expect(stub.calls[0]!.body).toEqual({ ...forwarded, model: "pho-vi" });
    const receipt = (completion as typeof completion & { kho_receipt: KhoReceiptJson }).kho_receipt;
    expect(receipt.inputHash).toBe(chatInputHash(body));
  });

  it("lists models by name and retrieves one by name", async () => {
    const list = await client.models.list();
    expect(list.data.map((m) => m.id)).toEqual(["pho-vi"]);
    const model = await client.models.retrieve("pho-vi");
    expect([model.id, model.object, (model as typeof model & { modelId: string }).modelId]).toEqual([
      "pho-vi",
      "model",
      "1",
    ]);
  });

  it("raises the client's typed errors with OpenAI's error fields", async () => {
    const messages = [{ role: "user" as const, content: "hi" }];
    const notFound = await client.chat.completions.create({ model: "nope", messages }).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(OpenAI.NotFoundError);
    expect(notFound).toMatchObject({
      status: 404,
      code: "model_not_found",
      param: "model",
      type: "invalid_request_error",
    });
    expect(await client.models.retrieve("nope").catch((e: unknown) => e)).toBeInstanceOf(OpenAI.NotFoundError);

    const unknownField = { model: "pho-vi", messages, temperature_typo: 1 } as ChatCompletionCreateParamsNonStreaming;
    const bad = await client.chat.completions.create(unknownField).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect((bad as InstanceType<typeof OpenAI.BadRequestError>).message).toMatch(/Unknown field\(s\) temperature_typo/);
    const badRole = await client.chat.completions
      .create({ model: "pho-vi", messages: [{ role: "tool", content: "x" }] } as ChatCompletionCreateParamsNonStreaming)
      .catch((e: unknown) => e);
    expect(badRole).toMatchObject({ status: 400, param: "messages.0.tool_call_id" });

    const anonymous = new OpenAI({ apiKey: "kho_wrong", baseURL: `${server.url}/v1`, maxRetries: 0 });
    const denied = await anonymous.chat.completions
      .create({ model: "pho-vi", messages, stream: true })
      .catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((await r.store.receipts.countByStatus()).unbatched).toBe(0);
  });
});
