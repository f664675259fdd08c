import request from "supertest";
import { type Hex, keccak256, toBytes } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  UserKind,
  addressUserId,
  hashInferenceRequest,
  inferenceRequestTypes,
  recoverReceiptSigner,
  saltedUserId,
  usageLedgerDomain,
} from "../../src/protocol";
import { createApiKey, revokeApiKey } from "../../src/relayer/auth/api-keys";
import { canonicalJson } from "../../src/protocol/canonical-json";
import { receiptFromJson } from "../../src/protocol/receipt-json";
import { createUpstreamForwarder } from "../../src/relayer/services/upstream-forwarder";
import { CHAIN_ID, LEDGER, type TestRelayer, startTestRelayer } from "./helpers/test-app";

const owner = "0x00000000000000000000000000000000000000aa" as const;
const messages = [
  { role: "system", content: "You are a Vietnamese home cook." },
  { role: "user", content: "How do I make cá kho?" },
];

describe("POST /v1/chat/completions", () => {
  let r: TestRelayer;
  let key: string;
  beforeEach(async () => {
    r = await startTestRelayer();
    key = (await createApiKey(r.store, { owner, label: "test" })).key;
  });
  afterEach(() => r.close());

  const post = (body: unknown, headers: Record<string, string> = {}) => {
    const req = request(r.app).post("/v1/chat/completions").set("Content-Type", "application/json");
    for (const [k, v] of Object.entries(headers)) req.set(k, v);
    return req.send(JSON.stringify(body));
  };

  it("returns the completion with a receipt that recovers to the relayer and is stored", async () => {
    const res = await post({ model: "pho-vi", messages }, { Authorization: `Bearer ${key}` });
    expect(res.status).toBe(200);
    expect(res.body.choices[0].message.content).toBe("echo: How do I make cá kho?");
    const kr = res.body.kho_receipt;
    expect(res.headers["x-kho-receipt-hash"]).toBe(kr.hash);
    expect(kr.signer).toBe(r.signer.address);
    const { hash: _h, signature: _s, signer: _r, ...fields } = kr;
    const receipt = receiptFromJson(fields);
    expect(await recoverReceiptSigner(receipt, kr.signature, { chainId: CHAIN_ID, ledger: LEDGER })).toBe(
      r.signer.address,
    );
    expect(receipt.userKind).toBe(UserKind.KeyOwner);
    expect(receipt.userId).toBe(addressUserId(owner));
    expect(receipt.modelId).toBe(1n);
    expect(receipt.deploymentId).toBe(11n);
    expect(receipt.communityId).toBe(7n);
    expect(receipt.inputHash).toBe(keccak256(toBytes(canonicalJson({ messages }))));
    expect(receipt.outputHash).toBe(keccak256(toBytes(canonicalJson(res.body.choices[0].message))));
    expect(receipt.timestamp).toBe(r.clock.t);
    expect(receipt.epoch).toBe(0n);
    expect((await r.store.receipts.find(kr.hash))?.receipt.requestId).toBe(kr.requestId);
    // The upstream got the registered name and never the app's user field.
    expect(r.upstream.calls[0]!.body).toEqual({ model: "pho-vi", messages });
  });

  it("derives a salted user id from the OpenAI user field and resolves models by id", async () => {
    const res = await post({ model: "1", messages, user: "alice" }, { Authorization: `Bearer ${key}` });
    expect(res.status).toBe(200);
    expect(res.body.kho_receipt.userKind).toBe(UserKind.SaltedHash);
    expect(res.body.kho_receipt.userId).toBe(saltedUserId(r.salt, owner, "alice"));
  });

  it("serves GET /v1/receipts/:id by request id and by hash", async () => {
    const res = await post({ model: "pho-vi", messages }, { Authorization: `Bearer ${key}` });
    const { requestId, hash } = res.body.kho_receipt;
    for (const id of [requestId, hash]) {
      const got = await request(r.app).get(`/v1/receipts/${id}`);
      expect(got.status).toBe(200);
      expect(got.body.receipt).toEqual(res.body.kho_receipt);
      expect(got.body.status).toBe("unbatched");
      expect(got.body.batch).toBeNull();
    }
    expect((await request(r.app).get(`/v1/receipts/0x${"ab".repeat(32)}`)).status).toBe(404);
    expect((await request(r.app).get("/v1/receipts/nothex")).body.error.code).toBe("invalid_request");
  });

  it("lists active models in OpenAI shape", async () => {
    const res = await request(r.app).get("/v1/models");
    expect(res.status).toBe(200);
    expect(res.body.object).toBe("list");
    expect(res.body.data).toEqual([
      {
        id: "pho-vi",
        object: "model",
        created: 1_700_000_000,
        owned_by: "0x00000000000000000000000000000000000000b1",
        name: "pho-vi",
        modelId: "1",
        locale: "vi-VN",
        communityId: "7",
        builder: "0x00000000000000000000000000000000000000b1",
      },
    ]);
  });

  it("retrieves one model by name or by id, and 404s for unknown or idle ones", async () => {
    for (const id of ["pho-vi", "1"]) {
      const res = await request(r.app).get(`/v1/models/${id}`);
      expect([res.status, res.body.id, res.body.modelId]).toEqual([200, "pho-vi", "1"]);
    }
    for (const id of ["nope", "idle-model"]) {
      const res = await request(r.app).get(`/v1/models/${id}`);
      expect([res.status, res.body.error.code]).toEqual([404, "model_not_found"]);
    }
  });

  it("rejects unknown models and models without deployments in OpenAI's error envelope", async () => {
    const auth = { Authorization: `Bearer ${key}` };
    const unknown = await post({ model: "nope", messages }, auth);
    expect(unknown.body).toEqual({
      error: {
        message: 'There is no active registered model "nope".',
        type: "invalid_request_error",
        param: "model",
        code: "model_not_found",
      },
    });
    const idle = await post({ model: "idle-model", messages }, auth);
    expect([idle.status, idle.body.error.code, idle.body.error.type]).toEqual([503, "no_deployment", "server_error"]);
    expect((await r.store.receipts.countByStatus()).unbatched).toBe(0);
  });

  it("rejects missing, malformed and revoked API keys", async () => {
    expect((await post({ model: "pho-vi", messages })).status).toBe(401);
    expect((await post({ model: "pho-vi", messages }, { Authorization: "Bearer kho_wrong" })).status).toBe(401);
    expect((await post({ model: "pho-vi", messages }, { Authorization: `Basic ${key}` })).status).toBe(401);
    const issued = await createApiKey(r.store, { owner, label: "revoked" });
    await revokeApiKey(r.store, issued.record.id);
    const res = await post({ model: "pho-vi", messages }, { Authorization: `Bearer ${issued.key}` });
    expect([res.status, res.body.error.code]).toEqual([401, "unauthorized"]);
  });

  it("answers 502 without a receipt when the upstream fails, and 504 when it times out", async () => {
    r.upstream.behavior = { status: 500, body: { error: "boom" } };
    const failed = await post({ model: "pho-vi", messages }, { Authorization: `Bearer ${key}` });
    expect([failed.status, failed.body.error.code]).toEqual([502, "upstream_error"]);
    r.upstream.behavior = { status: 200, body: { not: "a completion" } };
    expect((await post({ model: "pho-vi", messages }, { Authorization: `Bearer ${key}` })).status).toBe(502);
    expect((await r.store.receipts.countByStatus()).unbatched).toBe(0);
  });

  it("answers 504 when the upstream does not answer in time", async () => {
    await r.close();
    r = await startTestRelayer({
      forward: createUpstreamForwarder({ timeoutMs: 200, maxResponseBytes: 1 << 20, allowLoopback: true }),
    });
    key = (await createApiKey(r.store, { owner, label: "t" })).key;
    r.upstream.behavior = { status: 200, hang: true };
    const res = await post({ model: "pho-vi", messages }, { Authorization: `Bearer ${key}` });
    expect([res.status, res.body.error.code]).toEqual([504, "upstream_timeout"]);
    expect((await r.store.receipts.countByStatus()).unbatched).toBe(0);
  });

  it("refuses loopback deployments unless allowed", async () => {
    await r.close();
    r = await startTestRelayer({
      forward: createUpstreamForwarder({ timeoutMs: 2000, maxResponseBytes: 1 << 20, allowLoopback: false }),
    });
    key = (await createApiKey(r.store, { owner, label: "t" })).key;
    const res = await post({ model: "pho-vi", messages }, { Authorization: `Bearer ${key}` });
    expect([res.status, res.body.error.code]).toEqual([502, "upstream_error"]);
    expect(r.upstream.calls).toHaveLength(0);
  });

  describe("wallet-signed requests", () => {
    const wallet = privateKeyToAccount(generatePrivateKey());
    const domain = usageLedgerDomain(CHAIN_ID, LEDGER);

    async function signedHeaders(opts: { nonce: bigint; deadline: bigint; modelId?: bigint; msgs?: unknown }) {
      const message = {
        user: wallet.address,
        modelId: opts.modelId ?? 1n,
        inputHash: keccak256(toBytes(canonicalJson({ messages: opts.msgs ?? messages }))),
        nonce: opts.nonce,
        deadline: opts.deadline,
        maxFee: 0n,
      };
      const signature = await wallet.signTypedData({
        domain,
        types: inferenceRequestTypes,
        primaryType: "InferenceRequest",
        message,
      });
      return {
        headers: {
          "X-Kho-User": wallet.address,
          "X-Kho-Nonce": opts.nonce.toString(),
          "X-Kho-Deadline": opts.deadline.toString(),
          "X-Kho-Max-Fee": "0",
          "X-Kho-Signature": signature,
        },
        digest: hashInferenceRequest(message, { chainId: CHAIN_ID, ledger: LEDGER }),
      };
    }

    it("records the wallet as user and the request digest as userAuth; a replay is 409", async () => {
      const { headers, digest } = await signedHeaders({ nonce: 1n, deadline: r.clock.t + 60n });
      const res = await post({ model: "pho-vi", messages }, headers);
      expect(res.status).toBe(200);
      expect(res.body.kho_receipt.userKind).toBe(UserKind.Wallet);
      expect(res.body.kho_receipt.userId).toBe(addressUserId(wallet.address));
      expect(res.body.kho_receipt.userAuth).toBe(digest);
      const replay = await post({ model: "pho-vi", messages }, headers);
      expect([replay.status, replay.body.error.code]).toEqual([409, "nonce_reused"]);
      expect((await r.store.receipts.countByStatus()).unbatched).toBe(1);
    });

    it("rejects expired deadlines, other messages, other models and broken signatures", async () => {
      const expired = await signedHeaders({ nonce: 2n, deadline: r.clock.t - 1n });
      expect((await post({ model: "pho-vi", messages }, expired.headers)).status).toBe(401);

      const other = await signedHeaders({
        nonce: 3n,
        deadline: r.clock.t + 60n,
        msgs: [{ role: "user", content: "hi" }],
      });
      const res = await post({ model: "pho-vi", messages }, other.headers);
      expect([res.status, res.body.error.code]).toEqual([401, "unauthorized"]);

      const otherModel = await signedHeaders({ nonce: 4n, deadline: r.clock.t + 60n, modelId: 2n });
      expect((await post({ model: "pho-vi", messages }, otherModel.headers)).status).toBe(401);

      const good = await signedHeaders({ nonce: 5n, deadline: r.clock.t + 60n });
      const broken = { ...good.headers, "X-Kho-Signature": `0x${"00".repeat(65)}` };
      expect((await post({ model: "pho-vi", messages }, broken)).status).toBe(401);
      const missing: Record<string, string> = { ...good.headers };
      delete missing["X-Kho-Nonce"];
      expect((await post({ model: "pho-vi", messages }, missing)).status).toBe(401);
      expect(
        (await post({ model: "pho-vi", messages }, { ...good.headers, Authorization: `Bearer ${key}` })).status,
      ).toBe(400);
      expect((await r.store.receipts.countByStatus()).unbatched).toBe(0);
    });

    it("frees the nonce when the upstream fails, so the same signed request can be retried", async () => {
      const { headers } = await signedHeaders({ nonce: 9n, deadline: r.clock.t + 60n });
      r.upstream.behavior = { status: 503 };
      expect((await post({ model: "pho-vi", messages }, headers)).status).toBe(502);
      r.upstream.behavior = { status: 200 };
      expect((await post({ model: "pho-vi", messages }, headers)).status).toBe(200);
    });
  });
});

export type { Hex };
