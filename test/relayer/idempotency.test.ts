import request from "supertest";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApiKey } from "../../src/relayer/auth/api-keys";
import { type TestRelayer, startTestRelayer } from "./helpers/test-app";

const owner = "0x00000000000000000000000000000000000000aa";
const body = { model: "pho-vi", messages: [{ role: "user", content: "Cá kho tộ?" }] };

describe("Idempotency-Key", () => {
  let r: TestRelayer;
  let auth: string;
  beforeEach(async () => {
    r = await startTestRelayer();
    auth = `Bearer ${(await createApiKey(r.store, { owner, label: "t" })).key}`;
  });
  afterEach(() => r.close());

  const send = (key: string, b: unknown = body, a = auth) =>
    request(r.app)
      .post("/v1/chat/completions")
      .set("Authorization", a)
      .set("Content-Type", "application/json")
      .set("Idempotency-Key", key)
      .send(JSON.stringify(b));

  it("replays the stored response for the same key and body, with one receipt", async () => {
    const first = await send("order-1");
    const second = await send("order-1");
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.text).toBe(first.text);
    expect(second.headers["x-kho-receipt-hash"]).toBe(first.headers["x-kho-receipt-hash"]);
    expect(second.headers["idempotent-replayed"]).toBe("true");
    expect(r.upstream.calls).toHaveLength(1);
    expect((await r.store.receipts.countByStatus()).unbatched).toBe(1);
  });

  it("treats reordered keys in the body as the same body", async () => {
    await send("order-2");
    const reordered = await send("order-2", { messages: body.messages, model: body.model });
    expect(reordered.status).toBe(200);
    expect(r.upstream.calls).toHaveLength(1);
  });

  it("answers 422 idempotency_key_reused for the same key with a different body", async () => {
    await send("order-3");
    const res = await send("order-3", { ...body, temperature: 0.5 });
    expect([res.status, res.body.error.code]).toEqual([422, "idempotency_key_reused"]);
  });

  it("scopes keys to the caller", async () => {
    const other = `Bearer ${(await createApiKey(r.store, { owner, label: "other" })).key}`;
    const a = await send("shared");
    const b = await send("shared", body, other);
    expect(b.body.kho_receipt.requestId).not.toBe(a.body.kho_receipt.requestId);
    expect((await r.store.receipts.countByStatus()).unbatched).toBe(2);
  });

  it("makes exactly one receipt for 50 concurrent requests with one key", async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => send("burst")));
    const hashes = new Set(results.map((res) => res.body.kho_receipt?.hash));
    expect(results.every((res) => res.status === 200)).toBe(true);
    expect(hashes.size).toBe(1);
    expect(r.upstream.calls).toHaveLength(1);
    expect((await r.store.receipts.countByStatus()).unbatched).toBe(1);
  });

  it("lets a retry through after an upstream failure (nothing was stored)", async () => {
    r.upstream.behavior = { status: 500 };
    expect((await send("retry")).status).toBe(502);
    r.upstream.behavior = { status: 200 };
    const ok = await send("retry");
    expect(ok.status).toBe(200);
    expect((await r.store.receipts.countByStatus()).unbatched).toBe(1);
  });

  it("rejects malformed keys", async () => {
    const res = await send("has space");
    expect([res.status, res.body.error.code]).toEqual([400, "invalid_request"]);
  });
});
