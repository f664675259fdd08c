import { type Address, getAddress, keccak256, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type InferenceReceipt,
  type LedgerDomain,
  UserKind,
  addressUserId,
  hashReceipt,
} from "../../src/protocol/receipt";
import type { SignedReceipt } from "../../src/protocol/receipt-json";
import { batchTree, serializeBatchFile } from "../../src/protocol/batch-file";
import { type CommittedBatch, checkBatchFile } from "../../src/rewards/pipeline/batch-check";
import { loadWasmKeccak } from "../../src/protocol/wasm-keccak";
import { type BatchCheckPool, createBatchCheckPool } from "../../src/rewards/pipeline/batch-check-pool";
import { ZERO_BYTES32 } from "../../src/protocol";
import { columnReceipt } from "./helpers/column-receipt";

const DOMAIN: LedgerDomain = { chainId: 31337, ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3" };
const RELAYER: Address = getAddress(keccak256(toHex("relayer")).slice(0, 42));
const EPOCH = 3n;

function signed(i: number): SignedReceipt {
  const user = getAddress(keccak256(toHex(`user ${i % 3}`)).slice(0, 42));
  const word = (label: string) => keccak256(toHex(`${label} ${i}`));
  // Two models, three users, free and paid calls: the columns intern each integer and payer.
  const receipt: InferenceReceipt = {
    ...{ requestId: word("request"), inputHash: word("in"), outputHash: word("out"), userAuth: word("auth") },
    ...{ attributionHash: ZERO_BYTES32 },
    ...{ modelId: BigInt(1 + (i % 2)), deploymentId: 1n, communityId: 1n, epoch: EPOCH },
    ...{ userId: addressUserId(user), userKind: UserKind.Wallet, payer: user },
    ...{ timestamp: 1_750_000_000n + BigInt(i), fee: BigInt(i % 2) * 10n ** 16n },
  };
  // checkBatchFile does not recover signatures (the signature pool does); any 65 bytes will do.
  return { receipt, hash: hashReceipt(receipt, DOMAIN), signature: `0x${"11".repeat(64)}1b` };
}

function batchOf(receipts: SignedReceipt[]): { bytes: Uint8Array; bytesCopy: Uint8Array; batch: CommittedBatch } {
  const root = batchTree(receipts.map((r) => r.hash)).root;
  const { bytes } = serializeBatchFile({
    chainId: DOMAIN.chainId,
    ledger: DOMAIN.ledger,
    relayer: RELAYER,
    batchId: 7n,
    epoch: EPOCH,
    root,
    receipts,
    operators: new Map([[1n, RELAYER]]),
  });
  return {
    bytes,
    bytesCopy: bytes.slice(),
    batch: { relayer: RELAYER, batchId: 7n, epoch: EPOCH, root, count: receipts.length, dataHash: keccak256(bytes) },
  };
}

describe("batch check pool", () => {
  let checker: BatchCheckPool;
  beforeAll(() => {
    checker = createBatchCheckPool(1);
  });
  afterAll(() => checker.close());
  const receipts = Array.from({ length: 12 }, (_, i) => signed(i));

  it("answers what checkBatchFile answers on this thread, receipts intact through the columns", async () => {
    const honest = batchOf(receipts);
    const { batch } = honest;
    let bytes = honest.bytes;
    for (const check of [{ mode: "full" }, { mode: "sampled", seed: keccak256(toHex("seed")), perBatch: 4 }] as const) {
      const parameters = { bytes, batch, domain: DOMAIN, check };
      const expected = checkBatchFile(parameters, await loadWasmKeccak());
      const { result: pooled, bytes: returned } = await checker.check(parameters, "batch 7");
      expect(pooled).toEqual(expected);
      // The bytes moved to the worker and came back whole.
      expect(bytes.byteLength).toBe(0);
      expect(returned).toEqual(honest.bytesCopy);
      bytes = returned;
      if (!pooled.ok) throw new Error("an honest batch failed its check");
      const back = Array.from({ length: pooled.columns.count }, (_, row) => columnReceipt(pooled.columns, row));
      // Files hold receipts sorted by hash.
      expect(back).toEqual([...receipts].sort((a, b) => (a.hash < b.hash ? -1 : 1)).map((r) => r.receipt));
    }
    const { result: tampered } = await checker.check(
      { bytes, batch: { ...batch, root: keccak256(toHex("another root")) }, domain: DOMAIN, check: { mode: "full" } },
      "batch 7",
    );
    expect(tampered).toEqual({ ok: false, reason: "recomputed Merkle root differs from the on-chain root" });
  });

  it("turns an error thrown in the worker into one sentence naming the batch file", async () => {
    const { bytes, batch } = batchOf(receipts);
    const check = checker.check(
      { bytes, batch, domain: { ...DOMAIN, chainId: 1.5 }, check: { mode: "full" } },
      "batch 7 of relayer 0xabc (file:///batches/7.json)",
    );
    await expect(check).rejects.toThrow(
      /^Checking batch 7 of relayer 0xabc \(file:\/\/\/batches\/7\.json\) failed: [^.]*1\.5[^.]*\.$/,
    );
    // The worker survives its caller's error (the failed check kept the bytes it was handed).
    const again = batchOf(receipts).bytes;
    expect(
      (await checker.check({ bytes: again, batch, domain: DOMAIN, check: { mode: "full" } }, "batch 7")).result.ok,
    ).toBe(true);
    // Bytes already moved do not hang the pool: they are an empty file, which is not the batch's.
    expect((await checker.check({ bytes, batch, domain: DOMAIN, check: { mode: "full" } }, "batch 7")).result).toEqual({
      ok: false,
      reason: "file bytes do not hash to the on-chain dataHash",
    });
  });

  it("copies bytes that share their buffer instead of moving what is not theirs", async () => {
    const { bytes, batch } = batchOf(receipts);
    const shared = new Uint8Array(bytes.length + 8);
    shared.set(bytes, 8);
    const view = shared.subarray(8);
    const { result, bytes: back } = await checker.check(
      { bytes: view, batch, domain: DOMAIN, check: { mode: "full" } },
      "batch 7",
    );
    expect(result.ok).toBe(true);
    expect(view).toEqual(bytes);
    expect(back).toEqual(bytes);
  });

  it("rejects work after close instead of hanging", async () => {
    const pool = createBatchCheckPool(1);
    await pool.close();
    const { bytes, batch } = batchOf(receipts);
    await expect(pool.check({ bytes, batch, domain: DOMAIN, check: { mode: "full" } }, "batch 7")).rejects.toThrow(
      "Cannot check batch 7: the batch check pool is closed.",
    );
  });
});
