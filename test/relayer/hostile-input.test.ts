import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import Database from "better-sqlite3";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../../src/relayer/auth/api-keys";
import { type TestRelayer, startTestRelayer } from "./helpers/test-app";

const body = JSON.stringify({ model: "pho-vi", messages: [{ role: "user", content: "xin chào" }] });

/** Issue 8's hostile-input mends: each answers an exact status and leaves the store and the upstream untouched. */
describe("hostile input is refused before it costs anything", () => {
  let r: TestRelayer;
  let auth: string;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "kho-hostile-"));
    r = await startTestRelayer({ dbPath: path.join(dir, "relayer.sqlite") });
    auth = `Bearer ${(await createApiKey(r.store, { owner: "0x00000000000000000000000000000000000000aa", label: "t" })).key}`;
  });
  afterAll(async () => {
    await r.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const unchanged = async (before: { receipts: number; calls: number }) => {
    const c = await r.store.receipts.countByStatus();
    expect(c.unbatched + c.batched + c.expired).toBe(before.receipts);
    expect(r.upstream.calls.length).toBe(before.calls);
  };
  const snapshot = async () => {
    const c = await r.store.receipts.countByStatus();
    return { receipts: c.unbatched + c.batched + c.expired, calls: r.upstream.calls.length };
  };

  it("400 for Content-Encoding: gzip over bytes that are not gzip (was 500)", async () => {
    const before = await snapshot();
    const res = await request(r.app)
      .post("/v1/chat/completions")
      .set("Authorization", auth)
      .set("Content-Type", "application/json")
      .set("Content-Encoding", "gzip")
      .send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_request");
    await unchanged(before);
  });

  it("415 for an unknown Content-Encoding, and a real gzip body is served", async () => {
    const before = await snapshot();
    const res = await request(r.app)
      .post("/v1/chat/completions")
      .set("Authorization", auth)
      .set("Content-Type", "application/json")
      .set("Content-Encoding", "x-custom")
      .send(body);
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe("unsupported_media_type");
    await unchanged(before);
    // A real gzip body is decoded and served (supertest would re-encode a Buffer, so plain fetch).
    const server = r.app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const { port } = server.address() as AddressInfo;
    const ok = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: "POST",
      headers: { Authorization: auth, "Content-Type": "application/json", "Content-Encoding": "gzip" },
      body: gzipSync(body),
    }).finally(() => server.close());
    expect(ok.status).toBe(200);
  });

  it("401 before the body is parsed or the registry is asked (an unknown model without a key was 404)", async () => {
    const before = await snapshot();
    let lookups = 0;
    const resolve = r.directory.resolveModel.bind(r.directory);
    r.directory.resolveModel = (ref) => {
      lookups++;
      return resolve(ref);
    };
    try {
      const unknownModel = await request(r.app)
        .post("/v1/chat/completions")
        .set("Content-Type", "application/json")
        .send(JSON.stringify({ model: "no-such-model", messages: [{ role: "user", content: "hi" }] }));
      expect(unknownModel.status).toBe(401);
      expect(unknownModel.body.error.code).toBe("unauthorized");
      const garbage = await request(r.app)
        .post("/v1/chat/completions")
        .set("Authorization", "Bearer not-a-key")
        .set("Content-Type", "application/json")
        .send("{not json");
      expect(garbage.status).toBe(401);
      expect(lookups).toBe(0);
    } finally {
      r.directory.resolveModel = resolve;
    }
    await unchanged(before);
  });

  it("503 store_busy with Retry-After within a fraction of a second while another process holds the write lock", async () => {
    const before = await snapshot();
    const other = new Database(path.join(dir, "relayer.sqlite"));
    other.exec("BEGIN IMMEDIATE");
    try {
      const started = Date.now();
      const res = await request(r.app)
        .post("/v1/chat/completions")
        .set("Authorization", auth)
        .set("Content-Type", "application/json")
        .send(body);
      expect(res.status, res.text).toBe(503);
      expect(res.body.error.code).toBe("store_busy");
      expect(res.headers["retry-after"]).toBe("1");
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    const c = await r.store.receipts.countByStatus();
    expect(c.unbatched + c.batched + c.expired).toBe(before.receipts);
    const retried = await request(r.app)
      .post("/v1/chat/completions")
      .set("Authorization", auth)
      .set("Content-Type", "application/json")
      .send(body);
    expect(retried.status).toBe(200);
  });

  it("502 for a deployment on a non-HTTP service port; nothing is forwarded or stored", async () => {
    r.directory.deployments[0]!.active = false;
    r.directory.deployments.push({
      id: 12n,
      modelId: 1n,
      operator: "0x00000000000000000000000000000000000000c2",
      endpoint: "http://127.0.0.1:6379",
      active: true,
    });
    const before = await snapshot();
    try {
      const res = await request(r.app)
        .post("/v1/chat/completions")
        .set("Authorization", auth)
        .set("Content-Type", "application/json")
        .send(body);
      expect(res.status).toBe(502);
      expect(res.body.error).toEqual({
        message: "The model deployment's registered endpoint cannot be used (upstream_invalid_endpoint).",
        type: "server_error",
        param: null,
        code: "upstream_error",
      });
    } finally {
      r.directory.deployments.pop();
      r.directory.deployments[0]!.active = true;
    }
    await unchanged(before);
  });
});
