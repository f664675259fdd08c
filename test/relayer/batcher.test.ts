import request from "supertest";
import { type Hex, keccak256, toHex } from "viem";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type InferenceReceipt, UserKind, ZERO_BYTES32, batchLeaf, batchTree, verifyProof } from "../../src/protocol";
import type { LedgerClient } from "../../src/relayer/ports";
import { SCHEDULE, type TestRelayer, createTestBatcher, startTestRelayer } from "./helpers/test-app";

let counter = 0;

async function seed(r: TestRelayer, n: number, epoch = 0n): Promise<Hex[]> {
  const receipts: InferenceReceipt[] = Array.from({ length: n }, () => {
    counter++;
    return {
      requestId: keccak256(toHex(`req-${counter}`)),
      modelId: 1n,
      deploymentId: 11n,
      communityId: 7n,
      userId: keccak256(toHex(`user-${counter % 3}`)),
      userKind: UserKind.SaltedHash,
      inputHash: keccak256(toHex("in")),
      outputHash: keccak256(toHex("out")),
      timestamp: SCHEDULE.genesis + epoch * SCHEDULE.length + 10n,
      epoch,
      fee: 0n,
      payer: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
      userAuth: ZERO_BYTES32,
      attributionHash: ZERO_BYTES32,
    };
  });
  const signed = await r.signer.signReceipts(receipts);
  await r.store.transaction(async (tx) => {
    for (const [i, receipt] of receipts.entries()) {
      await tx.receipts.insert({
        receipt,
        hash: signed[i]!.hash,
        signature: signed[i]!.signature,
        signer: r.signer.address,
        attribution: [],
        operator: "0x00000000000000000000000000000000000000c1",
      });
    }
  });
  return signed.map((s) => s.hash);
}

/** Every receipt is in exactly one batch, and every batch's root is its receipts' tree root. */
async function expectConsistent(r: TestRelayer) {
  const rows = r.store.db
    .prepare<[], { receipt_hash: string; status: string; batch_id: number | null }>(
      "SELECT receipt_hash, status, batch_id FROM receipts",
    )
    .all();
  for (const row of rows) expect(row.status === "batched").toBe(row.batch_id !== null);
  const ids = r.store.db
    .prepare<[], { batch_id: number; root: string; count: number }>(
      "SELECT batch_id, root, count FROM batches ORDER BY batch_id",
    )
    .all();
  ids.forEach((b, i) => expect(b.batch_id).toBe(i + 1));
  for (const b of ids) {
    const members = await r.store.receipts.inBatch(r.signer.address, BigInt(b.batch_id));
    expect(members).toHaveLength(b.count);
    expect(batchTree(members.map((m) => m.hash)).root).toBe(b.root);
  }
}

describe("Batcher", () => {
  let r: TestRelayer;
  beforeEach(async () => {
    r = await startTestRelayer();
    r.ledger.time = r.clock.t;
  });
  afterEach(() => r.close());

  it("seals by size, then by age, and confirms in id order", async () => {
    await seed(r, 7);
    const { batcher, metrics } = createTestBatcher(r);
    await batcher.tick();
    expect([...r.ledger.batches.keys()]).toEqual([1n, 2n]);
    expect(await r.store.receipts.countByStatus()).toEqual({ unbatched: 1, batched: 6, expired: 0 });
    r.clock.t += 30n;
    await batcher.tick();
    expect([...r.ledger.batches.keys()]).toEqual([1n, 2n, 3n]);
    expect(r.ledger.batches.get(3n)!.count).toBe(1);
    expect(await r.store.batches.countByStatus()).toEqual({ sealed: 0, submitted: 0, confirmed: 3 });
    expect((await metrics.batchesConfirmed.get()).values[0]!.value).toBe(3);
    await expectConsistent(r);
  });

  it("never mixes epochs in a batch and seals a finished epoch at once", async () => {
    await seed(r, 2, 0n);
    r.clock.t = SCHEDULE.genesis + SCHEDULE.length + 5n;
    r.ledger.time = r.clock.t;
    await seed(r, 2, 1n);
    const { batcher } = createTestBatcher(r);
    await batcher.tick();
    // Epoch 0 is over (sealed though small); epoch 1 is young and below size.
    expect([...r.ledger.batches.values()].map((b) => [b.epoch, b.count])).toEqual([[0n, 2]]);
    await batcher.flush();
    expect([...r.ledger.batches.values()].map((b) => [b.epoch, b.count])).toEqual([
      [0n, 2],
      [1n, 2],
    ]);
    await expectConsistent(r);
  });

  it("serves the exact committed file bytes and proofs that verify against the root", async () => {
    const hashes = await seed(r, 3);
    await createTestBatcher(r).batcher.tick();
    const onChain = r.ledger.batches.get(1n)!;
    expect(onChain.dataURI).toBe(`http://relayer.test/v1/batches/${r.signer.address}/1`);
    for (const path of ["/v1/batches/1", `/v1/batches/${r.signer.address}/1`]) {
      const res = await request(r.app)
        .get(path)
        .buffer(true)
        .parse((response, cb) => {
          const chunks: Buffer[] = [];
          response.on("data", (c: Buffer) => chunks.push(c));
          response.on("end", () => cb(null, Buffer.concat(chunks)));
        });
      expect(res.status).toBe(200);
      expect(keccak256(res.body as Buffer)).toBe(onChain.dataHash);
      expect(res.headers["x-kho-data-hash"]).toBe(onChain.dataHash);
      const file = JSON.parse((res.body as Buffer).toString("utf8"));
      expect(file.version).toBe(1);
      expect(file.batchId).toBe("1");
      expect(file.root).toBe(onChain.root);
      expect(batchTree(file.receipts.map((x: { hash: Hex }) => x.hash)).root).toBe(onChain.root);
    }
    for (const hash of hashes) {
      const got = await request(r.app).get(`/v1/receipts/${hash}`);
      expect(got.body.status).toBe("batched");
      expect(got.body.batch.status).toBe("confirmed");
      expect(got.body.batch.root).toBe(onChain.root);
      expect(verifyProof(onChain.root, batchLeaf(hash), got.body.batch.proof)).toBe(true);
    }
  });

  it("heals a crash between broadcast and bookkeeping, then keeps ids contiguous", async () => {
    await seed(r, 3);
    // The first process broadcasts batch 1 and dies before it can record anything.
    const crashing: LedgerClient = Object.assign(Object.create(r.ledger) as LedgerClient, {
      submitBatch: async (p: Parameters<LedgerClient["submitBatch"]>[0]) => {
        await r.ledger.submitBatch(p);
        throw new Error("process killed");
      },
    });
    await createTestBatcher(r, {}, crashing).batcher.tick();
    expect(r.ledger.batches.size).toBe(1);
    expect((await r.store.batches.get(r.signer.address, 1n))!.status).toBe("sealed");

    const restarted = createTestBatcher(r).batcher;
    await restarted.tick();
    expect((await r.store.batches.get(r.signer.address, 1n))!.status).toBe("confirmed");
    expect(r.ledger.batches.size).toBe(1);

    await seed(r, 3);
    await restarted.tick();
    expect([...r.ledger.batches.keys()]).toEqual([1n, 2n]);
    await expectConsistent(r);
  });

  it("queues sealed batches while the chain is unreachable and submits them when it is back", async () => {
    const { batcher } = createTestBatcher(r);
    await batcher.tick(); // reconcile once while the chain is up
    r.ledger.reachable = false;
    await seed(r, 6);
    await batcher.tick();
    expect(batcher.lastError()).toMatch(/ECONNREFUSED/);
    expect(await r.store.batches.countByStatus()).toEqual({ sealed: 2, submitted: 0, confirmed: 0 });
    const health = await request(r.app).get("/health");
    expect(health.status).toBe(200);
    expect(health.body.status).toBe("degraded");
    expect(health.body.checks.chain.reachable).toBe(false);

    r.ledger.reachable = true;
    await batcher.flush();
    expect(batcher.lastError()).toBeNull();
    expect([...r.ledger.batches.keys()]).toEqual([1n, 2n]);
    await expectConsistent(r);
  });

  it("does not seal before it has read the chain's last batch id, and never reuses a committed id", async () => {
    // Another instance with this key (or a lost database) already committed batches 1 and 2.
    for (let i = 1; i <= 2; i++) {
      await r.ledger.submitBatch({
        epoch: 0n,
        batchId: BigInt(i),
        root: keccak256(toHex(i)),
        count: 1,
        dataURI: "x",
        dataHash: keccak256(toHex(i)),
      });
    }
    r.ledger.reachable = false;
    await seed(r, 3);
    const { batcher } = createTestBatcher(r);
    await batcher.tick();
    expect((await r.store.batches.countByStatus()).sealed).toBe(0);
    r.ledger.reachable = true;
    await batcher.flush();
    expect([...r.ledger.batches.keys()]).toEqual([1n, 2n, 3n]);
    expect((await r.store.batches.get(r.signer.address, 3n))!.status).toBe("confirmed");
  });

  it("re-queues a local batch whose id holds a different batch on-chain", async () => {
    await seed(r, 3);
    const { batcher } = createTestBatcher(r);
    r.ledger.reachable = false;
    await batcher.tick(); // cannot reconcile: nothing sealed
    r.ledger.reachable = true;
    const b = createTestBatcher(r).batcher;
    await b.tick();
    expect(r.ledger.batches.size).toBe(1);
    // Simulate a database restored from an old backup: batch 1 is sealed locally again with other content.
    r.store.db
      .prepare("UPDATE batches SET status = 'sealed', root = ? WHERE batch_id = 1")
      .run(keccak256(toHex("other")));
    await b.tick();
    expect(r.ledger.batches.size).toBe(2);
    expect((await r.store.receipts.countByStatus()).batched).toBe(3);
    expect(await r.store.batches.get(r.signer.address, 1n)).toBeNull();
    expect((await r.store.batches.get(r.signer.address, 2n))!.status).toBe("confirmed");
  });

  it("marks receipts expired (kept, counted) when their epoch's window closed before they were committed", async () => {
    const { batcher, metrics } = createTestBatcher(r);
    await batcher.tick();
    r.ledger.reachable = false;
    await seed(r, 4, 0n);
    await batcher.flush(); // seals 2 batches, cannot submit
    expect((await r.store.batches.countByStatus()).sealed).toBe(2);
    // Long outage: epoch 0's window (end + grace) passes; new traffic arrives in epoch 1.
    r.clock.t = SCHEDULE.genesis + SCHEDULE.length + SCHEDULE.batchGracePeriod + 1n;
    r.ledger.time = r.clock.t;
    const late = await seed(r, 2, 1n);
    r.ledger.reachable = true;
    await batcher.flush();
    await batcher.flush();
    expect(await r.store.receipts.countByStatus()).toEqual({ unbatched: 0, batched: 2, expired: 4 });
    expect((await metrics.receiptsExpired.get()).values[0]!.value).toBe(4);
    // The epoch-1 receipts went into batch 1: on-chain ids stay contiguous.
    expect([...r.ledger.batches.entries()].map(([id, b]) => [id, b.epoch])).toEqual([[1n, 1n]]);
    expect((await r.store.receipts.find(late[0]!))!.batch!.batchId).toBe(1n);
    await expectConsistent(r);
  });
});
