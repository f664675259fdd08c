import { type Address, getAddress, keccak256, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AttributedEntry,
  type InferenceReceipt,
  type LedgerDomain,
  type SignedReceipt,
  UserKind,
  ZERO_BYTES32,
  addressUserId,
  attributionHash,
  hashReceipt,
  normalizeAttribution,
} from "../../src/protocol";
import { batchTree, serializeBatchFile } from "../../src/protocol/batch-file";
import { receiptTypes, usageLedgerDomain } from "../../src/protocol/eip712";
import { resolveRewardParams } from "../../src/rewards/core";
import type { ChainHistory } from "../../src/rewards/pipeline/chain-history";
import { computeEpochFromHistory } from "../../src/rewards/pipeline/epoch-from-history";
import { type SignaturePool, createSignaturePool } from "../../src/rewards/pipeline/signature-pool";
import { type BatchCheckPool, createBatchCheckPool } from "../../src/rewards/pipeline/batch-check-pool";

const DOMAIN: LedgerDomain = { chainId: 31337, ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3" };
const EPOCH = 3n;
const START = 1_750_000_000n;
const END = START + 7n * 86_400n;
const relayerKey = generatePrivateKey();
const relayer = privateKeyToAccount(relayerKey).address;
const builder = getAddress(keccak256(toHex("builder")).slice(0, 42));
const operator = getAddress(keccak256(toHex("operator")).slice(0, 42));
const V1 = keccak256(toHex("vi-VN/home-cooking v1"));
const V2 = keccak256(toHex("vi-VN/home-cooking v2"));

/** Receipt i cites nothing (i % 3 = 0), one entry (1) or two entries of two versions (2). */
function citedBy(i: number): AttributedEntry[] {
  if (i % 3 === 0) return [];
  const first = { contentHash: V1, entryId: `entry-${i}` };
  return normalizeAttribution(i % 3 === 1 ? [first] : [first, { contentHash: V2, entryId: "ca-kho-to" }]);
}

async function signed(i: number): Promise<SignedReceipt> {
  const user = getAddress(keccak256(toHex(`user ${i % 4}`)).slice(0, 42));
  const attribution = citedBy(i);
  const receipt: InferenceReceipt = {
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
    attributionHash: attributionHash(attribution),
  };
  const signature = await privateKeyToAccount(relayerKey).signTypedData({
    domain: usageLedgerDomain(DOMAIN.chainId, DOMAIN.ledger),
    types: receiptTypes,
    primaryType: "InferenceReceipt",
    message: receipt,
  });
  return { receipt, hash: hashReceipt(receipt, DOMAIN), signature, ...(attribution.length > 0 ? { attribution } : {}) };
}

/** One committed batch of `receipts`; `edit` may rewrite the file's JSON before the relayer commits its bytes. */
function epochOf(receipts: SignedReceipt[], edit: (json: { receipts: Record<string, unknown>[] }) => void = () => {}) {
  const at = (block: bigint, timestamp: bigint) => ({ block, logIndex: 0, timestamp });
  const root = batchTree(receipts.map((r) => r.hash)).root;
  const { json } = serializeBatchFile({
    chainId: DOMAIN.chainId,
    ledger: DOMAIN.ledger,
    relayer,
    batchId: 1n,
    epoch: EPOCH,
    root,
    receipts,
    operators: new Map([[1n, operator]]),
  });
  edit(json as unknown as { receipts: Record<string, unknown>[] });
  const bytes = new TextEncoder().encode(JSON.stringify(json));
  const history: ChainHistory = {
    fromBlock: 1n,
    toBlock: 20n,
    models: [
      { ...at(1n, START - 100n), kind: "registered", modelId: 1n, builder, communityId: 1n },
      { ...at(1n, START - 100n), kind: "price", modelId: 1n, pricePerCall: 10n ** 16n },
      { ...at(1n, START - 100n), kind: "deployment", deploymentId: 1n, modelId: 1n, operator },
    ],
    communities: [],
    protocolFees: [{ ...at(1n, START - 100n), bps: 1000n }],
    stakes: [],
    // No version is published: the cited hashes name no dataset the model links, so no file is read.
    datasetVersions: [],
    relayers: [{ ...at(1n, START - 100n), relayer, added: true }],
    batches: [
      {
        ...at(11n, END + 60n),
        relayer,
        batchId: 1n,
        epoch: EPOCH,
        root,
        count: receipts.length,
        dataURI: "memory://batch-1",
        dataHash: keccak256(bytes),
      },
    ],
  };
  return { history, bytes };
}

describe("attribution in the rewards pipeline", () => {
  let pool: SignaturePool;
  let checker: BatchCheckPool;
  let receipts: SignedReceipt[];
  beforeAll(async () => {
    pool = createSignaturePool({ threads: 1 });
    checker = createBatchCheckPool(1);
    receipts = await Promise.all(Array.from({ length: 9 }, (_, i) => signed(i)));
  });
  afterAll(() => Promise.all([pool.close(), checker.close()]));

  const compute = ({ history, bytes }: ReturnType<typeof epochOf>) =>
    computeEpochFromHistory({
      epoch: EPOCH,
      window: { start: START, end: END },
      history,
      domain: DOMAIN,
      params: resolveRewardParams({}),
      budget: 1000n * 10n ** 18n,
      previousCumulative: new Map<Address, bigint>(),
      lookback: [],
      pool,
      checker,
      verification: { mode: "full" },
      fetchBatch: async () => bytes,
      fetchDatasetVersion: async (version) => {
        throw new Error(`No file is published for dataset ${version.datasetId} v${version.version} in this test.`);
      },
    });

  it("hands the reward core each receipt's cited entries from the batch file, and none for the rest", async () => {
    const { collected } = await compute(epochOf(receipts));
    expect(collected.batches[0]).toMatchObject({ status: "accepted", accepted: 9 });
    const byRequest = new Map([...collected.store.receipts()].map((r) => [r.requestId, r]));
    receipts.forEach((s, i) => {
      const read = byRequest.get(s.receipt.requestId)!;
      expect(read.attributionHash).toBe(s.receipt.attributionHash);
      if (i % 3 === 0) expect(read).not.toHaveProperty("attribution");
      else expect(read.attribution).toEqual(citedBy(i));
    });
  });

  it("rejects a committed batch whose file credits other entries than a receipt signed", async () => {
    const cited = receipts[1]!;
    const epoch = epochOf(receipts, (json) => {
      const entry = json.receipts.find((r) => r.hash === cited.hash)!;
      entry.attribution = [{ contentHash: V1, entryId: "accomplice" }];
    });
    const { collected } = await compute(epoch);
    expect(collected.batches[0]).toMatchObject({ status: "tampered", accepted: 0 });
    expect(collected.batches[0]!.reason).toBe(
      `malformed batch file: receipt ${cited.hash} lists an attribution hashing to ${attributionHash([{ contentHash: V1, entryId: "accomplice" }])}, not its signed attributionHash ${cited.receipt.attributionHash}`,
    );
    expect(collected.drops.tampered_batch).toBe(9);
  });
});
