import { join } from "node:path";
import request from "supertest";
import express from "express";
import { keccak256 } from "viem";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  MAX_ATTRIBUTED_ENTRIES,
  ZERO_BYTES32,
  attributionHash,
  khoReceiptFromJson,
  parseBatchFile,
} from "../../src/protocol";
import { createModelServerApp } from "../../src/model-server/app";
import { datasetContentHash } from "../../src/protocol/dataset-content-hash";
import { loadDataset } from "../../src/model-server/dataset/load-dataset";
import { createApiKey } from "../../src/relayer/auth/api-keys";
import { verifyReceipt } from "../../src/sdk";
import { listen } from "./helpers/listen";
import { CHAIN_ID, LEDGER, type TestRelayer, createTestBatcher, startTestRelayer } from "./helpers/test-app";

const dataset = loadDataset(join(__dirname, "../../datasets/vi-VN-home-cooking.json"));
const DATASET_HASH = datasetContentHash(dataset);
/** What the model server cites for the cá kho tộ question. */
const CA_KHO_TO = [{ contentHash: DATASET_HASH, entryId: "ca-kho-to" }];
const domain = { chainId: CHAIN_ID, ledger: LEDGER };
const ask = (content: string, stream = false) => ({
  model: "pho-vi",
  messages: [{ role: "user", content }],
  ...(stream ? { stream: true } : {}),
});

/** The `data:` payloads of a server-sent event stream, [DONE] left out. */
function events(text: string): Record<string, unknown>[] {
  return text
    .split("\n\n")
    .filter((e) => e.startsWith("data: ") && e !== "data: [DONE]")
    .map((e) => JSON.parse(e.slice(6)) as Record<string, unknown>);
}

describe("attribution from a model deployment to the receipt and the batch file", () => {
  let r: TestRelayer;
  let modelServer: { url: string; close(): Promise<void> };
  let key: string;
  beforeEach(async () => {
    r = await startTestRelayer();
    r.ledger.time = r.clock.t;
    // The real model server, serving the vi-VN dataset under the model's registered name.
    modelServer = await listen(createModelServerApp({ dataset, modelName: "pho-vi" }));
    r.directory.deployments[0]!.endpoint = modelServer.url;
    key = (await createApiKey(r.store, { owner: "0x00000000000000000000000000000000000000aa", label: "t" })).key;
  });
  afterEach(async () => {
    await modelServer.close();
    await r.close();
  });

  const post = (body: unknown) =>
    request(r.app)
      .post("/v1/chat/completions")
      .set("Authorization", `Bearer ${key}`)
      .set("Content-Type", "application/json")
      .buffer(true)
      .parse((response, cb) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (c: string) => (text += c));
        response.on("end", () => cb(null, text));
      })
      .send(JSON.stringify(body));

  async function rejectedCount(reason: string): Promise<number> {
    const text = (await request(r.app).get("/metrics")).text;
    const line = text
      .split("\n")
      .find((l) => l.startsWith(`kho_relayer_attribution_rejected_total{reason="${reason}"}`));
    return line === undefined ? 0 : Number(line.split(" ").at(-1));
  }

  it("signs the cited entries into the receipt, answered whole and streamed, and lists them in the committed batch file", async () => {
    const whole = await post(ask("Tôi nấu cá kho thế nào?"));
    expect(whole.status).toBe(200);
    const completion = JSON.parse(whole.body as string) as { kho_attribution: unknown; kho_receipt: unknown };
    expect(completion.kho_attribution).toEqual(CA_KHO_TO);
    const wholeReceipt = khoReceiptFromJson(completion.kho_receipt);

    const streamed = await post(ask("Cá kho tộ nấu thế nào?", true));
    expect(streamed.status).toBe(200);
    const chunks = events(streamed.body as string);
    // The finish chunk is forwarded as the backend wrote it; the last chunk carries the receipt.
    expect(chunks.some((c) => JSON.stringify(c.kho_attribution) === JSON.stringify(CA_KHO_TO))).toBe(true);
    const streamedReceipt = khoReceiptFromJson(chunks.at(-1)!.kho_receipt);

    for (const signed of [wholeReceipt, streamedReceipt]) {
      expect(signed.receipt.attributionHash).toBe(attributionHash(CA_KHO_TO));
      expect(signed.attribution).toEqual(CA_KHO_TO);
      expect(await verifyReceipt({ ...signed, expectedSigner: r.signer.address, domain })).toMatchObject({
        valid: true,
      });
      expect((await r.store.receipts.find(signed.hash))?.attribution).toEqual(CA_KHO_TO);
    }

    const { batcher } = createTestBatcher(r, { maxReceipts: 10, maxAgeSeconds: 0 });
    await batcher.flush();
    const committed = r.ledger.batches.get(1n)!;
    const bytes = (await r.store.batches.file(r.signer.address, 1n))!;
    expect(keccak256(bytes)).toBe(committed.dataHash);
    const file = parseBatchFile(bytes);
    expect(file.receipts.map((x) => [x.hash, x.attribution]).sort()).toEqual(
      [wholeReceipt, streamedReceipt].map((x) => [x.hash, CA_KHO_TO]).sort(),
    );
    const json = JSON.parse(new TextDecoder().decode(bytes)) as { receipts: Record<string, unknown>[] };
    for (const written of json.receipts) expect(written.attribution).toEqual(CA_KHO_TO);
  });

  it("signs the zero hash and lists nothing when the answer cites nothing", async () => {
    const res = await post(ask("What is the capital of Peru?"));
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body as string) as { kho_attribution: unknown; kho_receipt: Record<string, unknown> };
    expect(body.kho_attribution).toEqual([]);
    expect(body.kho_receipt.attributionHash).toBe(ZERO_BYTES32);
    expect(body.kho_receipt).not.toHaveProperty("attribution");
    expect(await rejectedCount("malformed")).toBe(0);
  });

  describe("a backend that reports garbage attribution", () => {
    const answer = (kho_attribution: unknown) => ({
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 1_700_000_000,
      model: "pho-vi",
      choices: [{ index: 0, message: { role: "assistant", content: "Kho cá với nước màu." }, finish_reason: "stop" }],
      kho_attribution,
    });
    const tooMany = Array.from({ length: MAX_ATTRIBUTED_ENTRIES + 1 }, (_, i) => ({
      contentHash: DATASET_HASH,
      entryId: `entry-${i}`,
    }));
    const garbage: [string, unknown, "malformed" | "oversized"][] = [
      ["a string", "ca-kho-to", "malformed"],
      ["an upper-case hash", [{ contentHash: DATASET_HASH.toUpperCase(), entryId: "ca-kho-to" }], "malformed"],
      ["an entry with extra fields", [{ ...CA_KHO_TO[0], weight: 1 }], "malformed"],
      [`${MAX_ATTRIBUTED_ENTRIES + 1} entries`, tooMany, "oversized"],
    ];

    it.each(garbage)("still serves the call (%s), signs the zero hash and counts it", async (_, reported, reason) => {
      r.directory.deployments[0]!.endpoint = r.upstream.url;
      r.upstream.behavior = { status: 200, body: answer(reported) };
      const res = await post(ask("Tôi nấu cá kho thế nào?"));
      expect(res.status).toBe(200);
      const body = JSON.parse(res.body as string) as {
        choices: { message: { content: string } }[];
        kho_receipt: unknown;
      };
      expect(body.choices[0]!.message.content).toBe("Kho cá với nước màu.");
      const signed = khoReceiptFromJson(body.kho_receipt);
      expect(signed.receipt.attributionHash).toBe(ZERO_BYTES32);
      expect(signed.attribution).toBeUndefined();
      expect((await r.store.receipts.find(signed.hash))?.attribution).toEqual([]);
      expect(await rejectedCount(reason)).toBe(1);
    });

    it("still serves a streamed call, signs the zero hash and counts it", async () => {
      const chunk = (extra: Record<string, unknown>, delta: Record<string, unknown>) =>
        `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "pho-vi", choices: [{ index: 0, delta }], ...extra })}\n\n`;
      const upstream = await listen(
        express().post("/v1/chat/completions", (_req, res) => {
          res.writeHead(200, { "content-type": "text/event-stream" });
          res.write(chunk({}, { role: "assistant", content: "Kho cá" }));
          res.write(chunk({ kho_attribution: { entryId: "ca-kho-to" } }, {}));
          res.end("data: [DONE]\n\n");
        }),
      );
      try {
        r.directory.deployments[0]!.endpoint = upstream.url;
        const res = await post(ask("Tôi nấu cá kho thế nào?", true));
        expect(res.status).toBe(200);
        const signed = khoReceiptFromJson(events(res.body as string).at(-1)!.kho_receipt);
        expect(signed.receipt.attributionHash).toBe(ZERO_BYTES32);
        expect(await rejectedCount("malformed")).toBe(1);
      } finally {
        await upstream.close();
      }
    });
  });
});
