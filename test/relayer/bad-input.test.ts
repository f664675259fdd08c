import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../../src/relayer/auth/api-keys";
import { type TestRelayer, startTestRelayer } from "./helpers/test-app";

const messages = [{ role: "user", content: "xin chào" }];

describe("malformed requests get a JSON error with the right status and never a stack", () => {
  let r: TestRelayer;
  let auth: string;
  beforeAll(async () => {
    r = await startTestRelayer({ maxBodyBytes: 16 * 1024 });
    auth = `Bearer ${(await createApiKey(r.store, { owner: "0x00000000000000000000000000000000000000aa", label: "t" })).key}`;
  });
  afterAll(() => r.close());

  const raw = (body: string, contentType = "application/json") =>
    request(r.app).post("/v1/chat/completions").set("Authorization", auth).set("Content-Type", contentType).send(body);

  function expectError(res: request.Response, status: number, code: string) {
    expect(res.status).toBe(status);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.body.error.code).toBe(code);
    expect(typeof res.body.error.message).toBe("string");
    expect(res.text).not.toMatch(/\bat .*\.ts:\d+/);
  }

  it("413 for an oversized body and for a huge prompt", async () => {
    expectError(
      await raw(JSON.stringify({ model: "pho-vi", messages, pad: "x".repeat(20_000) })),
      413,
      "payload_too_large",
    );
    const huge = [{ role: "user", content: "phở ".repeat(10_000) }];
    expectError(await raw(JSON.stringify({ model: "pho-vi", messages: huge })), 413, "payload_too_large");
  });

  it("400 for truncated JSON and non-object JSON", async () => {
    expectError(await raw('{"model": "pho-vi", "messages": [{"role": "us'), 400, "invalid_request");
    expectError(await raw('"just a string"'), 400, "invalid_request");
    expectError(await raw("[]"), 400, "invalid_request");
    expectError(await raw(""), 400, "invalid_request");
  });

  it("415 for a wrong or missing content type and unsupported charsets", async () => {
    expectError(await raw(JSON.stringify({ model: "pho-vi", messages }), "text/plain"), 415, "unsupported_media_type");
    expectError(await raw("model=pho-vi", "application/x-www-form-urlencoded"), 415, "unsupported_media_type");
    expectError(
      await raw(JSON.stringify({ model: "pho-vi", messages }), "application/json; charset=latin1"),
      415,
      "unsupported_media_type",
    );
    const noType = await request(r.app).post("/v1/chat/completions").set("Authorization", auth);
    expectError(noType, 415, "unsupported_media_type");
  });

  it("400 for unknown, missing and wrong-typed fields", async () => {
    const cases: unknown[] = [
      { model: "pho-vi" },
      { messages },
      { model: "pho-vi", messages, extra: 1 },
      { model: 1, messages },
      { model: "pho-vi", messages: "hello" },
      { model: "pho-vi", messages: [] },
      { model: "pho-vi", messages: [{ role: "wizard", content: "x" }] },
      { model: "pho-vi", messages: [{ role: "user", content: "x", tool: 1 }] },
      { model: "pho-vi", messages, temperature: "hot" },
      { model: "pho-vi", messages, temperature: 9 },
      { model: "pho-vi", messages, max_tokens: 1.5 },
      { model: "pho-vi", messages, user: 42 },
      { model: "pho-vi", messages, stream: "yes" },
    ];
    for (const body of cases) expectError(await raw(JSON.stringify(body)), 400, "invalid_request");
  });

  it("400 for prototype-pollution keys anywhere in the body", async () => {
    const bodies = [
      '{"model":"pho-vi","messages":[{"role":"user","content":"x"}],"__proto__":{"admin":true}}',
      '{"model":"pho-vi","messages":[{"role":"user","content":"x","constructor":{"prototype":{"x":1}}}]}',
      '{"model":"pho-vi","messages":[{"role":"user","content":[{"type":"text","text":"x","__proto__":{}}]}]}',
    ];
    for (const body of bodies) {
      const res = await raw(body);
      expectError(res, 400, "invalid_request");
      expect(res.body.error.message).toMatch(/forbidden key/);
    }
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it("401 for bad auth and 404 JSON for unknown routes; the process stays up", async () => {
    const res = await request(r.app)
      .post("/v1/chat/completions")
      .set("Authorization", "Bearer kho_notakey")
      .set("Content-Type", "application/json")
      .send(JSON.stringify({ model: "pho-vi", messages }));
    expectError(res, 401, "unauthorized");
    expectError(await request(r.app).get("/v1/nothing"), 404, "not_found");
    expectError(await request(r.app).get("/v1/batches/0"), 400, "invalid_request");
    expectError(await request(r.app).get("/v1/batches/5"), 404, "not_found");
    const ok = await raw(JSON.stringify({ model: "pho-vi", messages }));
    expect(ok.status).toBe(200);
    expect((await r.store.receipts.countByStatus()).unbatched).toBe(1);
  });

  it("echoes a client X-Request-Id and replaces an unsafe one", async () => {
    const res = await request(r.app).get("/v1/models").set("X-Request-Id", "abc-123");
    expect(res.headers["x-request-id"]).toBe("abc-123");
    const bad = await request(r.app).get("/v1/models").set("X-Request-Id", "a b\tc");
    expect(bad.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("rate limits", () => {
  let r: TestRelayer;
  beforeAll(async () => {
    r = await startTestRelayer({ rateLimit: { perCallerPerMinute: 2, perIpPerMinute: 1000 } });
  });
  afterAll(() => r.close());

  it("answers 429 with Retry-After once a caller exceeds its limit, per caller", async () => {
    const owner = "0x00000000000000000000000000000000000000aa";
    const a = `Bearer ${(await createApiKey(r.store, { owner, label: "a" })).key}`;
    const b = `Bearer ${(await createApiKey(r.store, { owner, label: "b" })).key}`;
    const send = (auth: string) =>
      request(r.app)
        .post("/v1/chat/completions")
        .set("Authorization", auth)
        .set("Content-Type", "application/json")
        .send(JSON.stringify({ model: "pho-vi", messages }));
    expect((await send(a)).status).toBe(200);
    expect((await send(a)).status).toBe(200);
    const limited = await send(a);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("rate_limited");
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect((await send(b)).status).toBe(200);
  });
});
