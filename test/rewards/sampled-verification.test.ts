import { type Address, type Hex, getAddress, keccak256, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type InferenceReceipt,
  type LedgerDomain,
  type SignedReceipt,
  UserKind,
  ZERO_BYTES32,
  addressUserId,
  hashReceipt,
} from "../../src/protocol";
import { batchTree, serializeBatchFile } from "../../src/protocol/batch-file";
import { receiptTypes, usageLedgerDomain } from "../../src/protocol/eip712";
import { resolveRewardParams, serializeEpochRewards } from "../../src/rewards/core";
import type { ChainHistory, ModelEvent } from "../../src/rewards/pipeline/chain-history";
import type { ReceiptVerification } from "../../src/rewards/pipeline/collect-epoch-receipts";
import { sampleIndexes } from "../../src/rewards/pipeline/sample-indexes";
import { computeEpochFromHistory } from "../../src/rewards/pipeline/epoch-from-history";
import { type BatchCheckPool, createBatchCheckPool } from "../../src/rewards/pipeline/batch-check-pool";
import { type SignaturePool, createSignaturePool } from "../../src/rewards/pipeline/signature-pool";

const DOMAIN: LedgerDomain = { chainId: 31337, ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3" };
const EPOCH = 3n;
const START = 1_750_000_000n;
const END = START + 7n * 86_400n;
const PER_BATCH = 40;
const SAMPLES = 4;
const relayerKey = generatePrivateKey();
const rogueKey = generatePrivateKey();
const relayer = privateKeyToAccount(relayerKey).address;
const builder = getAddress(keccak256(toHex("builder")).slice(0, 42));
const operator = getAddress(keccak256(toHex("operator")).slice(0, 42));

async function sign(receipt: InferenceReceipt, key: Hex): Promise<SignedReceipt> {
  const signature = await privateKeyToAccount(key).signTypedData({
    domain: usageLedgerDomain(DOMAIN.chainId, DOMAIN.ledger),
    types: receiptTypes,
    primaryType: "InferenceReceipt",
    message: receipt,
  });
  return { receipt, hash: hashReceipt(receipt, DOMAIN), signature };
}

function receipt(i: number): InferenceReceipt {
  const user = getAddress(keccak256(toHex(`user ${i % 17}`)).slice(0, 42));
  return {
    requestId: keccak256(toHex(`request ${i}`)),
    modelId: 1n,
    deploymentId: 1n,
    communityId: 1n,
    userId: addressUserId(user),
    userKind: UserKind.Wallet,
    inputHash: keccak256(toHex(`in ${i}`)),
    outputHash: keccak256(toHex(`out ${i}`)),
    timestamp: START + BigInt((i % 7) * 86_400 + i),
    epoch: EPOCH,
    fee: 10n ** 16n,
    payer: user,
    userAuth: ZERO_BYTES32,
    attributionHash: ZERO_BYTES32,
  };
}

type Epoch = { history: ChainHistory; files: Map<string, Uint8Array>; sorted: SignedReceipt[][] };

/** Three committed batches; `bad` replaces receipt `bad.index` of batch 2 with one signed by a key that is no relayer. */
async function buildEpoch(bad?: { signed: SignedReceipt }): Promise<Epoch> {
  const at = (block: bigint, timestamp: bigint) => ({ block, logIndex: 0, timestamp });
  const models: ModelEvent[] = [
    { ...at(1n, START - 100n), kind: "registered", modelId: 1n, builder, communityId: 1n },
    { ...at(1n, START - 100n), kind: "price", modelId: 1n, pricePerCall: 10n ** 16n },
    { ...at(1n, START - 100n), kind: "deployment", deploymentId: 1n, modelId: 1n, operator },
  ];
  const files = new Map<string, Uint8Array>();
  const batches: ChainHistory["batches"] = [];
  const sorted: SignedReceipt[][] = [];
  for (let b = 0; b < 3; b++) {
    const signed: SignedReceipt[] = [];
    for (let i = 0; i < PER_BATCH; i++) signed.push(await sign(receipt(b * PER_BATCH + i), relayerKey));
    if (b === 1 && bad) signed[0] = bad.signed;
    const root = batchTree(signed.map((r) => r.hash)).root;
    const batchId = BigInt(b + 1);
    const file = serializeBatchFile({
      chainId: DOMAIN.chainId,
      ledger: DOMAIN.ledger,
      relayer,
      batchId,
      epoch: EPOCH,
      root,
      receipts: signed,
      operators: new Map([[1n, operator]]),
    });
    const dataURI = `memory://batch-${batchId}`;
    files.set(dataURI, file.bytes);
    sorted.push([...signed].sort((x, y) => (x.hash < y.hash ? -1 : 1)));
    batches.push({
      ...at(10n + batchId, END + 60n),
      relayer,
      batchId,
      epoch: EPOCH,
      root,
      count: signed.length,
      dataURI,
      dataHash: keccak256(file.bytes),
    });
  }
  const history: ChainHistory = {
    fromBlock: 1n,
    toBlock: 20n,
    models,
    communities: [],
    protocolFees: [{ ...at(1n, START - 100n), bps: 1000n }],
    stakes: [],
    datasetVersions: [],
    relayers: [{ ...at(1n, START - 100n), relayer, added: true }],
    batches,
  };
  return { history, files, sorted };
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
    computeEpochFromHistory({
      epoch: EPOCH,
      window: { start: START, end: END },
      history: epoch.history,
      domain: DOMAIN,
      params: resolveRewardParams({}),
      budget: 1000n * 10n ** 18n,
      previousCumulative: new Map<Address, bigint>(),
      lookback: [],
      pool,
      checker,
      verification,
      fetchBatch: async (batch) => epoch.files.get(batch.dataURI)!,
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
    expect(fast.collected.store.size).toBe(3 * PER_BATCH);
  });

  it("catches a receipt with a bad signature when the seeded sample draws it, and then matches full verification", async () => {
    const rogue = await sign(receipt(999), rogueKey);
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
    const rogue = await sign(receipt(999), rogueKey);
    const epoch = await buildEpoch({ signed: rogue });
    const index = epoch.sorted[1]!.findIndex((r) => r.hash === rogue.hash);
    const fast = await compute(epoch, sampled(seedFor(index, false)));
    const full = await compute(epoch, { mode: "full" });
    expect(fast.collected.batches[1]!.verified).toBe("sampled");
    expect(fast.collected.drops.unauthorized_signer).toBe(0);
    expect(fast.tree.root).not.toBe(full.tree.root);
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
