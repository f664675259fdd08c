import request from "supertest";
import { getAddress } from "viem";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ApiKeyError, createApiKey, listApiKeys, revokeApiKey } from "../../src/relayer/auth/api-keys";
import { chatCompletionRequestSchema } from "../../src/relayer/schemas";
import { openSqliteStore } from "../../src/relayer/store";
import { type TestRelayer, startTestRelayer } from "./helpers/test-app";

const owner = "0x00000000000000000000000000000000000000aa";

describe("operations endpoints", () => {
  let r: TestRelayer;
  beforeEach(async () => {
    r = await startTestRelayer();
  });
  afterEach(() => r.close());

  it("reports ready, then degraded with reasons", async () => {
    const ok = await request(r.app).get("/health");
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: "ready", reasons: [] });
    expect(ok.body.checks.signer.balanceWei).toBe((10n ** 18n).toString());

    r.ledger.balanceWei = 1n;
    const low = await request(r.app).get("/health");
    expect(low.body.status).toBe("degraded");
    expect(low.body.reasons).toEqual([expect.stringMatching(/balance 1 wei is below/)]);

    r.ledger.reachable = false;
    const down = await request(r.app).get("/health");
    expect(down.status).toBe(200);
    expect(down.body.reasons).toContain("the chain RPC is unreachable");
  });

  it("reports unavailable (503) when the store cannot be written", async () => {
    await r.store.close();
    const res = await request(r.app).get("/health");
    expect(res.status).toBe(503);
    expect(res.body.status).toBe("unavailable");
    r.store = openSqliteStore(":memory:");
  });

  it("exposes Prometheus metrics for requests, receipts and latencies", async () => {
    const { key } = await createApiKey(r.store, { owner, label: "m" });
    await request(r.app)
      .post("/v1/chat/completions")
      .set("Authorization", `Bearer ${key}`)
      .set("Content-Type", "application/json")
      .send(JSON.stringify({ model: "pho-vi", messages: [{ role: "user", content: "hi" }] }));
    const res = await request(r.app).get("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain/);
    expect(res.text).toMatch(/kho_relayer_receipts_signed_total 1/);
    expect(res.text).toMatch(
      /kho_relayer_http_requests_total\{method="POST",route="\/v1\/chat\/completions",status="200"\} 1/,
    );
    expect(res.text).toMatch(/kho_relayer_upstream_latency_seconds_count\{outcome="ok"\} 1/);
    expect(res.text).toMatch(/kho_relayer_signing_latency_seconds_count 1/);
    expect(res.text).toMatch(/kho_relayer_unbatched_receipts 1/);
  });

  it("serves an OpenAPI 3.1 document generated from the request schemas", async () => {
    const res = await request(r.app).get("/openapi.json");
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe("3.1.0");
    const req = res.body.components.schemas.ChatCompletionRequest;
    expect(req.required).toEqual(["model", "messages"]);
    expect(req.additionalProperties).toBe(false);
    expect(Object.keys(req.properties)).toEqual(Object.keys(chatCompletionRequestSchema.shape));
    expect(Object.keys(req.properties)).toEqual(expect.arrayContaining(["tools", "stream_options", "response_format"]));
    expect(Object.keys(res.body.paths)).toContain("/v1/chat/completions");
  });
});

describe("API key service", () => {
  it("creates, lists and revokes keys without storing the plaintext", async () => {
    const store = openSqliteStore(":memory:");
    const created = await createApiKey(store, { owner, label: "app" });
    expect(created.key).toMatch(/^kho_[A-Za-z0-9_-]{43}$/);
    expect(created.record.owner).toBe(getAddress(owner));
    const dump = JSON.stringify(store.db.prepare("SELECT * FROM api_keys").all());
    expect(dump).not.toContain(created.key);
    await createApiKey(store, { owner: "0x00000000000000000000000000000000000000bb", label: "other" });
    expect((await listApiKeys(store, { owner })).map((k) => k.label)).toEqual(["app"]);
    expect(await listApiKeys(store)).toHaveLength(2);
    expect((await revokeApiKey(store, created.record.id)).revokedAt).not.toBeNull();
    await expect(revokeApiKey(store, created.record.id)).rejects.toThrow(/already revoked/);
    await expect(revokeApiKey(store, "key_nope")).rejects.toThrow(ApiKeyError);
    await expect(createApiKey(store, { owner: "not-an-address", label: "x" })).rejects.toThrow(/not an address/);
    await expect(createApiKey(store, { owner, label: " " })).rejects.toThrow(/label/);
    await store.close();
  });
});
