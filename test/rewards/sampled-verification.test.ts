import { type Hex, keccak256, toHex } from "viem";
import { generatePrivateKey } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InferenceReceipt, SignedReceipt } from "../../src/protocol";
import { serializeEpochRewards } from "../../src/rewards/core";
import type { ChainHistory } from "../../src/rewards/pipeline/chain-history";
import type { ReceiptVerification } from "../../src/rewards/pipeline/collect-epoch-receipts";
import { sampleIndexes } from "../../src/rewards/pipeline/sample-indexes";
import { type BatchCheckPool, createBatchCheckPool } from "../../src/rewards/pipeline/batch-check-pool";
import { type SignaturePool, createSignaturePool } from "../../src/rewards/pipeline/signature-pool";
import {
  committedBatch,
  computeSyntheticEpoch,
  epochHistory,
  epochReceipt,
  relayer,
  signReceipt,
} from "./helpers/synthetic-epoch";

const PER_BATCH = 40;
const SAMPLES = 4;
const rogueKey = generatePrivateKey();

const receipt = (i: number): InferenceReceipt => epochReceipt(i, 17);

type Epoch = { history: ChainHistory; files: Map<string, Uint8Array>; sorted: SignedReceipt[][] };

/** Three committed batches; `bad` replaces the first receipt of batch `bad.batch` (default 2). */
async function buildEpoch(bad?: { signed: SignedReceipt; batch?: number }): Promise<Epoch> {
  const files = new Map<string, Uint8Array>();
  const batches: ChainHistory["batches"] = [];
  const sorted: SignedReceipt[][] = [];
  for (let b = 0; b < 3; b++) {
    const signed: SignedReceipt[] = [];
    for (let i = 0; i < PER_BATCH; i++) signed.push(await signReceipt(receipt(b * PER_BATCH + i)));
    if (bad && b + 1 === (bad.batch ?? 2)) signed[0] = bad.signed;
    const { batch, bytes } = committedBatch(BigInt(b + 1), signed);
    files.set(batch.dataURI, bytes);
    sorted.push([...signed].sort((x, y) => (x.hash < y.hash ? -1 : 1)));
    batches.push(batch);
  }
  return { history: epochHistory(batches), files, sorted };
}

describe("sampled receipt verification", () => {
  let pool: SignaturePool;
  let checker: BatchCheckPool;
  beforeAll(() => {
    pool = createSignaturePool({ threads: 1 });
    checker = createBatchCheckPool(1);
  });
  afterAll(() => Promise.all([pool.close(), checker.close()]));

  const compute = (epoch: Epoch, verification: ReceiptVerification) =>
    computeSyntheticEpoch({
      history: epoch.history,
      pool,
      checker,
      verification,
      // The collector moves the bytes to a worker thread: hand it a copy of the kept file.
      fetchBatch: async (batch) => epoch.files.get(batch.dataURI)!.slice(),
      fetchDatasetVersion: async (version) => epoch.files.get(version.uri)!,
    });
  const sampled = (seed: Hex): ReceiptVerification => ({ mode: "sampled", seed, perBatch: SAMPLES });
  /** A seed whose sample of batch 2 does (or does not) include sorted position `index`. */
  const seedFor = (index: number, hit: boolean): Hex => {
    for (let k = 0; ; k++) {
      const seed = keccak256(toHex(`seed ${k}`));
      if (sampleIndexes(seed, relayer, 2n, PER_BATCH, SAMPLES).includes(index) === hit) return seed;
    }
  };

  it("gives the same root and payouts as full verification on honest batches", async () => {
    const epoch = await buildEpoch();
    const fast = await compute(epoch, sampled(keccak256(toHex("any seed"))));
    const full = await compute(epoch, { mode: "full" });
    expect(fast.collected.batches.map((b) => b.verified)).toEqual(["sampled", "sampled", "sampled"]);
    expect(full.collected.batches.map((b) => b.verified)).toEqual(["full", "full", "full"]);
    expect(fast.tree.root).not.toBeNull();
    expect(fast.tree.root).toBe(full.tree.root);
    expect(serializeEpochRewards(fast.result)).toBe(serializeEpochRewards(full.result));
    expect(fast.collected.accepted).toBe(3 * PER_BATCH);
  });

  it("catches a receipt with a bad signature when the seeded sample draws it, and then matches full verification", async () => {
    const rogue = await signReceipt(receipt(999), rogueKey);
    const epoch = await buildEpoch({ signed: rogue });
    const index = epoch.sorted[1]!.findIndex((r) => r.hash === rogue.hash);
    const full = await compute(epoch, { mode: "full" });
    expect(full.collected.drops.unauthorized_signer).toBe(1);

    const fast = await compute(epoch, sampled(seedFor(index, true)));
    expect(fast.collected.batches.map((b) => b.verified)).toEqual(["sampled", "full-after-failed-sample", "sampled"]);
    expect(fast.collected.drops.unauthorized_signer).toBe(1);
    expect(fast.tree.root).toBe(full.tree.root);
    expect(serializeEpochRewards(fast.result)).toBe(serializeEpochRewards(full.result));
  });

  it("lets a bad signature the sample missed through, and full verification (the dispute check) tells the roots apart", async () => {
    const rogue = await signReceipt(receipt(999), rogueKey);
    const epoch = await buildEpoch({ signed: rogue });
    const index = epoch.sorted[1]!.findIndex((r) => r.hash === rogue.hash);
    const fast = await compute(epoch, sampled(seedFor(index, false)));
    const full = await compute(epoch, { mode: "full" });
    expect(fast.collected.batches[1]!.verified).toBe("sampled");
    expect(fast.collected.drops.unauthorized_signer).toBe(0);
    expect(fast.tree.root).not.toBe(full.tree.root);
  });

  it("drops a request id already accepted from an earlier batch, with another hash, sampled or full", async () => {
    // The same request id as batch 1's first receipt, other content: only the request id finds it.
    const replay = await signReceipt({ ...receipt(0), inputHash: keccak256(toHex("another input")) });
    const epoch = await buildEpoch({ signed: replay, batch: 3 });
    for (const verification of [sampled(keccak256(toHex("any seed"))), { mode: "full" } as const]) {
      const { collected } = await compute(epoch, verification);
      expect(collected.drops.duplicate).toBe(1);
      expect(collected.accepted).toBe(3 * PER_BATCH - 1);
    }
  });

  it("draws the same sample for the same seed and batch, and a different one for another seed", () => {
    const a = sampleIndexes(keccak256(toHex("a")), relayer, 7n, 10_000, 32);
    expect(sampleIndexes(keccak256(toHex("a")), relayer, 7n, 10_000, 32)).toEqual(a);
    expect(sampleIndexes(keccak256(toHex("b")), relayer, 7n, 10_000, 32)).not.toEqual(a);
    expect(a.length).toBeGreaterThan(28);
    expect(a.every((i) => i >= 0 && i < 10_000)).toBe(true);
    expect(sampleIndexes(keccak256(toHex("a")), relayer, 7n, 20, 32)).toEqual([...Array(20).keys()]);
  });
});
