import { join } from "node:path";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { createModelServerApp, defaultModelName } from "./app";
import { datasetContentHash } from "../protocol/dataset-content-hash";
import { loadDataset } from "./dataset/load-dataset";

const dataset = loadDataset(join(__dirname, "../../datasets/vi-VN-home-cooking.json"));
const MODEL = "kho-vi-VN-home-cooking";
const FIXED_NOW = 1_750_000_000_123;
const app = createModelServerApp({ dataset, modelName: MODEL, now: () => FIXED_NOW, bodyLimit: "2kb" });

const ask = (content: string, extra: Record<string, unknown> = {}) =>
  request(app)
    .post("/v1/chat/completions")
    .send({ model: MODEL, messages: [{ role: "user", content }], ...extra });

function expectOpenAiError(body: { error?: { param?: unknown } }, code: string, message: RegExp) {
  const param = body.error?.param;
  expect(param === null || typeof param === "string").toBe(true);
  expect(body).toEqual({
    error: { message: expect.stringMatching(message), type: expect.any(String), param, code },
  });
  expect(JSON.stringify(body)).not.toMatch(/at .*\.(ts|js):\d+/);
}

describe("model server app", () => {
  it("reports health with the dataset's content hash", async () => {
    const res = await request(app).get("/health").expect(200);
    expect(res.body).toEqual({
      status: "ok",
      model: MODEL,
      dataset: {
        id: "vi-VN/home-cooking",
        version: 1,
        locale: "vi-VN",
        entries: dataset.entries.length,
        contentHash: datasetContentHash(dataset),
      },
    });
  });

  it("lists its one model and looks it up by id", async () => {
    const list = await request(app).get("/v1/models").expect(200);
    expect(list.body).toEqual({ object: "list", data: [{ id: MODEL, object: "model", created: 0, owned_by: "kho" }] });
    await request(app).get(`/v1/models/${MODEL}`).expect(200);
    const missing = await request(app).get("/v1/models/gpt-4").expect(404);
    expectOpenAiError(missing.body, "model_not_found", /'gpt-4' does not exist/);
  });

  it("defaults the model name from the dataset id", () => {
    expect(defaultModelName(dataset)).toBe(MODEL);
  });

  it("answers in the OpenAI chat.completion shape", async () => {
    const res = await ask("Tôi nấu cá kho thế nào?")
      .expect(200)
      .expect("content-type", /application\/json/);
    const content: string = res.body.choices[0].message.content;
    expect(res.body).toEqual({
      id: expect.stringMatching(/^chatcmpl-[0-9a-f]{32}$/),
      object: "chat.completion",
      created: Math.floor(FIXED_NOW / 1000),
      model: MODEL,
      system_fingerprint: `kho-retrieval-${datasetContentHash(dataset).slice(2, 14)}`,
      choices: [
        { index: 0, message: { role: "assistant", content, refusal: null }, logprobs: null, finish_reason: "stop" },
      ],
      usage: {
        prompt_tokens: 7,
        completion_tokens: expect.any(Number),
        total_tokens: 7 + res.body.usage.completion_tokens,
      },
      kho_attribution: [{ contentHash: datasetContentHash(dataset), entryId: "ca-kho-to" }],
    });
    expect(content).toMatch(/nồi đất/);
    expect(content).toMatch(/nước màu/);
  });

  it("is deterministic: the same request gives byte-identical responses, a different one a different id", async () => {
    const a = await ask("How do I cook cá kho?");
    const b = await ask("How do I cook cá kho?");
    expect(a.text).toBe(b.text);
    const c = await ask("How do I cook cá kho??");
    expect(c.body.id).not.toBe(a.body.id);
  });

  it("answers the last user message and accepts text content parts", async () => {
    const res = await request(app)
      .post("/v1/chat/completions")
      .send({
        model: MODEL,
        temperature: 0.7,
        user: "someone",
        messages: [
          { role: "system", content: "You are a helpful cook." },
          { role: "user", content: "How do I make phở?" },
          { role: "assistant", content: "…" },
          {
            role: "user",
            content: [
              { type: "text", text: "Làm nước màu" },
              { type: "text", text: "thế nào?" },
            ],
          },
        ],
      })
      .expect(200);
    expect(res.body.choices[0].message.content).toMatch(/^Nước màu/);
  });

  it("honours max_tokens with finish_reason length", async () => {
    const res = await ask("Tôi nấu cá kho thế nào?", { max_tokens: 5 }).expect(200);
    expect(res.body.choices[0].finish_reason).toBe("length");
    expect(res.body.usage.completion_tokens).toBe(5);
    expect(res.body.choices[0].message.content).toBe("Cá kho tộ\n\nCá kho");
  });

  it("streams the same answer as server-sent chunks, with usage when asked", async () => {
    const whole = (await ask("Tôi nấu cá kho thế nào?").expect(200)).body;
    const res = await ask("Tôi nấu cá kho thế nào?", { stream: true, stream_options: { include_usage: true } }).expect(
      200,
    );
    expect(res.headers["content-type"]).toMatch(/^text\/event-stream/);
    const events = res.text.split("\n\n").filter(Boolean);
    expect(events.at(-1)).toBe("data: [DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, "")));
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe(whole.choices[0].message.content);
    expect(chunks.length).toBeGreaterThan(4);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: whole.usage });
    expect(chunks.at(-2)).toMatchObject({
      choices: [{ finish_reason: "stop" }],
      kho_attribution: whole.kho_attribution,
    });
  });

  it("attributes nothing when it does not know the answer", async () => {
    const res = await ask("How do I make sushi rice for a party?").expect(200);
    expect(res.body.choices[0].message.content).toMatch(/^I don't know/);
    expect(res.body.kho_attribution).toEqual([]);
  });

  it("returns 404 for another model name and for unknown routes, 405 for a wrong method", async () => {
    const wrongModel = await request(app)
      .post("/v1/chat/completions")
      .send({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] })
      .expect(404);
    expectOpenAiError(wrongModel.body, "model_not_found", /'gpt-4o' does not exist; this server serves/);
    const route = await request(app).get("/v1/embeddings").expect(404);
    expectOpenAiError(route.body, "not_found", /^No route for GET \/v1\/embeddings\.$/);
    const method = await request(app).get("/v1/chat/completions").expect(405);
    expectOpenAiError(method.body, "method_not_allowed", /GET is not allowed/);
  });

  it.each([
    ["no messages", { model: MODEL, messages: [] }, "messages", /messages/],
    ["a bad role", { model: MODEL, messages: [{ role: "wizard", content: "hi" }] }, "messages.0.role", /role/],
    [
      "a non-text part",
      { model: MODEL, messages: [{ role: "user", content: [{ type: "image_url" }] }] },
      "messages.0.content",
      /content/,
    ],
    [
      "a temperature out of range",
      { model: MODEL, temperature: 3, messages: [{ role: "user", content: "hi" }] },
      "temperature",
      /temperature/,
    ],
    ["n = 2", { model: MODEL, n: 2, messages: [{ role: "user", content: "hi" }] }, "n", /only n = 1/],
    ["a missing model", { messages: [{ role: "user", content: "hi" }] }, "model", /model/],
    [
      "no user message",
      { model: MODEL, messages: [{ role: "system", content: "hi" }] },
      "messages",
      /at least one user message/,
    ],
    ["an empty question", { model: MODEL, messages: [{ role: "user", content: "  " }] }, "messages", /empty/],
  ])("rejects %s with 400", async (_name, body, param, message) => {
    const res = await request(app).post("/v1/chat/completions").send(body).expect(400);
    expectOpenAiError(res.body, res.body.error.code, message);
    expect(res.body.error.param).toBe(param);
    expect(res.body.error.type).toBe("invalid_request_error");
  });

  it("rejects malformed JSON and a non-object body with 400", async () => {
    const bad = await request(app)
      .post("/v1/chat/completions")
      .set("content-type", "application/json")
      .send('{"model": ')
      .expect(400);
    expectOpenAiError(bad.body, "invalid_json", /^The request body is not valid JSON\.$/);
    const array = await request(app).post("/v1/chat/completions").send([1, 2]).expect(400);
    expectOpenAiError(array.body, "invalid_request", /must be a JSON object/);
  });

  it("rejects a non-JSON content type with 415 and an oversized body with 413", async () => {
    const text = await request(app)
      .post("/v1/chat/completions")
      .set("content-type", "text/plain")
      .send("How do I cook cá kho?")
      .expect(415);
    expectOpenAiError(text.body, "unsupported_media_type", /Content-Type must be application\/json/);
    const big = await ask("x".repeat(4000)).expect(413);
    expectOpenAiError(big.body, "request_too_large", /larger than the 2kb limit/);
  });

  it("turns an unexpected failure into a 500 that reveals nothing", async () => {
    const broken = createModelServerApp({
      dataset,
      now: () => {
        throw new Error("secret internal detail");
      },
    });
    const res = await request(broken)
      .post("/v1/chat/completions")
      .send({ model: defaultModelName(dataset), messages: [{ role: "user", content: "cá kho" }] })
      .expect(500);
    expect(res.body).toEqual({
      error: {
        message: "The model server failed to handle the request.",
        type: "server_error",
        param: null,
        code: "internal_error",
      },
    });
  });

  it("refuses an invalid model name", () => {
    expect(() => createModelServerApp({ dataset, modelName: "has space" })).toThrow(/^Model name "has space" must be/);
  });
});
