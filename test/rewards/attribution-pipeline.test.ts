import { keccak256, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AttributedEntry, type SignedReceipt, attributionHash, normalizeAttribution } from "../../src/protocol";
import { type SignaturePool, createSignaturePool } from "../../src/rewards/pipeline/signature-pool";
import { type BatchCheckPool, createBatchCheckPool } from "../../src/rewards/pipeline/batch-check-pool";
import { ColumnRow } from "../../src/rewards/pipeline/receipt-columns";
import type { RewardReceipt } from "../../src/rewards/core";
import {
  collectSyntheticEpoch,
  committedBatch,
  computeSyntheticEpoch,
  epochHistory,
  epochReceipt,
  signReceipt,
} from "./helpers/synthetic-epoch";

const V1 = keccak256(toHex("vi-VN/home-cooking v1"));
const V2 = keccak256(toHex("vi-VN/home-cooking v2"));

/** Receipt i cites nothing (i % 3 = 0), one entry (1) or two entries of two versions (2). */
function citedBy(i: number): AttributedEntry[] {
  if (i % 3 === 0) return [];
  const first = { contentHash: V1, entryId: `entry-${i}` };
  return normalizeAttribution(i % 3 === 1 ? [first] : [first, { contentHash: V2, entryId: "ca-kho-to" }]);
}

async function signed(i: number): Promise<SignedReceipt> {
  const attribution = citedBy(i);
  return signReceipt(epochReceipt(i, 4, attributionHash(attribution)), undefined, attribution);
}

/** One committed batch of `receipts`; `edit` may rewrite the file's JSON before the relayer commits its bytes. */
function epochOf(receipts: SignedReceipt[], edit?: (json: { receipts: Record<string, unknown>[] }) => void) {
  const { batch, bytes } = committedBatch(1n, receipts, edit);
  // No version is published: the cited hashes name no dataset the model links, so no file is read.
  return { history: epochHistory([batch]), bytes };
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
    computeSyntheticEpoch({
      history,
      pool,
      checker,
      verification: { mode: "full" },
      // The collector moves the bytes to a worker thread: hand it a copy of the kept file.
      fetchBatch: async () => bytes.slice(),
      fetchDatasetVersion: async (version) => {
        throw new Error(`No file is published for dataset ${version.datasetId} v${version.version} in this test.`);
      },
    });

  it("hands the reward core each receipt's cited entries from the batch file, and none for the rest", async () => {
    const { history, bytes } = epochOf(receipts);
    // Read as the pipeline's usage sink reads accepted rows for the core (usage-sink.ts).
    const reader = new ColumnRow();
    const handed: Pick<RewardReceipt, "requestId" | "attributionHash" | "attribution">[] = [];
    const collected = await collectSyntheticEpoch({
      history,
      pool,
      checker,
      verification: { mode: "full" },
      fetchBatch: async () => bytes,
      accept: (columns, rows) => {
        for (const row of rows) {
          const { requestId, attributionHash, attribution } = reader.at(columns, row);
          handed.push({ requestId, attributionHash, attribution });
        }
      },
    });
    expect(collected.batches[0]).toMatchObject({ status: "accepted", accepted: 9 });
    expect(handed).toHaveLength(9);
    const byRequest = new Map(handed.map((r) => [r.requestId, r]));
    receipts.forEach((s, i) => {
      const read = byRequest.get(s.receipt.requestId)!;
      expect(read.attributionHash).toBe(s.receipt.attributionHash);
      if (i % 3 === 0) expect(read.attribution).toBeUndefined();
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
