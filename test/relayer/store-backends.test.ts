import { type Address, type Hex, keccak256, toBytes } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserKind, ZERO_BYTES32 } from "../../src/protocol";
import { attributionHash, normalizeAttribution } from "../../src/protocol/attribution";
import { freePort } from "../../src/devnet/free-port";
import { type NewReceipt, type RelayerStore, openStore } from "../../src/relayer/store";
import { isStoreBusy } from "../../src/relayer/store/errors";
import { ReceiptWriter } from "../../src/relayer/store/receipt-writer";
import { type PostgresCluster, startPostgresCluster } from "./helpers/postgres-cluster";

/**
 * The store's contract, run against both implementations: the embedded SQLite file and a real
 * PostgreSQL (a throwaway cluster). Concurrency cases use two stores on one PostgreSQL database,
 * as two replicas would.
 */

const SIGNER = "0x1111111111111111111111111111111111111111" as Address;
const PAYER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" as Address;
const OPERATOR = "0x00000000000000000000000000000000000000c1" as Address;

function receiptNumber(n: number, fee = 0n): NewReceipt {
  const id = (tag: string): Hex => keccak256(toBytes(`${tag}:${n}`));
  return {
    receipt: {
      requestId: id("request"),
      modelId: 1n,
      deploymentId: 1n,
      communityId: 1n,
      userId: id("user"),
      userKind: UserKind.KeyOwner,
      inputHash: id("input"),
      outputHash: id("output"),
      timestamp: 1_700_000_000n + BigInt(n),
      epoch: 1n,
      fee,
      payer: PAYER,
      userAuth: ZERO_BYTES32,
      attributionHash: ZERO_BYTES32,
    },
    hash: id("hash"),
    signature: `0x${"ab".repeat(65)}`,
    signer: SIGNER,
    attribution: [],
    operator: OPERATOR,
  };
}

let cluster: PostgresCluster;
let databases = 0;

beforeAll(async () => {
  cluster = await startPostgresCluster();
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

type Backend = { name: string; open(): Promise<{ first: RelayerStore; second: RelayerStore }> };

const backends: Backend[] = [
  {
    name: "sqlite",
    // One SQLite store is one process: "two replicas" are one store seen twice.
    async open() {
      const store = await openStore(":memory:");
      return { first: store, second: store };
    },
  },
  {
    name: "postgres",
    async open() {
      const url = await cluster.createDatabase(`store_test_${++databases}`);
      return { first: await openStore(url), second: await openStore(url) };
    },
  },
];

describe.each(backends)("relayer store on $name", (backend) => {
  let first: RelayerStore;
  let second: RelayerStore;

  beforeAll(async () => {
    ({ first, second } = await backend.open());
  }, 30_000);

  afterAll(async () => {
    await first?.close();
    if (second !== first) await second?.close();
  });

  it("stores, finds, batches and releases receipts", async () => {
    const seqs: number[] = [];
    for (let i = 0; i < 3; i++) seqs.push(await first.receipts.insert(receiptNumber(i)));
    const found = await second.receipts.find(receiptNumber(1).receipt.requestId);
    expect(found?.receipt).toEqual(receiptNumber(1).receipt);
    expect((await second.receipts.find(receiptNumber(2).hash))?.seq).toBe(seqs[2]);
    expect(await second.receipts.backlog(SIGNER)).toEqual([{ epoch: 1n, count: 3, oldestTimestamp: 1_700_000_000n }]);
    await first.transaction(async (tx) => {
      const taken = await tx.receipts.takeUnbatched(SIGNER, 1n, 2);
      expect(taken.map((r) => r.seq)).toEqual(seqs.slice(0, 2));
      await tx.batches.insert({
        relayer: SIGNER,
        batchId: 1n,
        epoch: 1n,
        root: ZERO_BYTES32,
        count: 2,
        dataURI: "http://relayer.test/v1/batches/1",
        dataHash: ZERO_BYTES32,
        file: new Uint8Array([1, 2, 3]),
        sealedAt: 1,
      });
      await tx.receipts.assignBatch(
        taken.map((r) => r.seq),
        SIGNER,
        1n,
      );
    });
    expect(await second.batches.file(SIGNER, 1n)).toEqual(Buffer.from([1, 2, 3]));
    expect((await second.receipts.inBatch(SIGNER, 1n)).map((r) => r.seq)).toEqual(seqs.slice(0, 2));
    expect(await second.receipts.countByStatus()).toEqual({ unbatched: 1, batched: 2, expired: 0 });
    // A batch claiming a receipt that is already batched rolls back whole.
    await expect(
      first.transaction(async (tx) => {
        await tx.receipts.release(SIGNER, 1n);
        await tx.receipts.assignBatch([seqs[0]!, seqs[0]!], SIGNER, 1n);
      }),
    ).rejects.toThrow(/no longer unbatched/);
    expect(await second.receipts.countByStatus()).toEqual({ unbatched: 1, batched: 2, expired: 0 });
    expect(await second.batches.maxBatchId(SIGNER)).toBe(1n);
  });

  it("lets exactly one of many concurrent claims of a nonce or an idempotency key through", async () => {
    const stores = [first, second];
    const nonces = await Promise.all(Array.from({ length: 10 }, (_, i) => stores[i % 2]!.nonces.claim(PAYER, 7n, 1)));
    expect(nonces.filter(Boolean)).toHaveLength(1);
    const keys = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        stores[i % 2]!.idempotency.reserve("caller", "key-1", ZERO_BYTES32, `replica-${i % 2}`, 1),
      ),
    );
    expect(keys.filter(Boolean)).toHaveLength(1);
    await first.idempotency.complete("caller", "key-1", 200, "{}");
    expect(await second.idempotency.get("caller", "key-1")).toMatchObject({ state: "done", status: 200, body: "{}" });
  });

  it("never reserves more than a payer's balance under concurrent checks", async () => {
    const price = 10n ** 18n;
    const balance = price * 3n;
    const stores = [first, second];
    const served = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const store = stores[i % 2]!;
        let reserved = false;
        await new ReceiptWriter(store).submit(async (tx) => {
          await tx.fees.lockPayer(PAYER);
          if (balance - (await tx.fees.unsettledSpend(PAYER)) >= price) {
            await tx.fees.reserve(keccak256(toBytes(`fee:${i}`)), PAYER, price, `replica-${i % 2}`, 1);
            reserved = true;
          }
        });
        return reserved;
      }),
    );
    expect(served.filter(Boolean)).toHaveLength(3);
    expect(await first.fees.unsettledSpend(PAYER)).toBe(balance);
  });

  it("drops only the restarting owner's reservations and pending keys (SQLite: its only process, all)", async () => {
    await second.fees.reserve(keccak256(toBytes("other")), PAYER, 1n, "replica-other", 1);
    await second.idempotency.reserve("caller", "key-2", ZERO_BYTES32, "replica-other", 1);
    const released = await first.fees.releaseAllOf("replica-0");
    const spend = await first.fees.unsettledSpend(PAYER);
    if (backend.name === "postgres") {
      expect(released).toBeGreaterThan(0);
      expect(spend).toBe(10n ** 18n * 3n - 10n ** 18n * BigInt(released) + 1n);
      expect(await first.idempotency.abandonPendingOf("replica-0")).toBe(0);
      expect(await first.idempotency.get("caller", "key-2")).toMatchObject({ state: "pending" });
    } else {
      expect(spend).toBe(0n);
      expect(await first.idempotency.abandonPendingOf("replica-0")).toBe(1);
    }
  });

  it("keeps a receipt's attribution list beside it, and none for a receipt citing nothing", async () => {
    const attribution = normalizeAttribution([
      { contentHash: keccak256(toBytes("vi-VN v2")), entryId: "pho-bo" },
      { contentHash: keccak256(toBytes("vi-VN v1")), entryId: "ca-kho-to" },
    ]);
    const plain = receiptNumber(100);
    const citing = { ...receiptNumber(101), attribution };
    citing.receipt = { ...citing.receipt, attributionHash: attributionHash(attribution) };
    await first.receipts.insert(plain);
    await first.receipts.insert(citing);
    const found = await second.receipts.find(citing.hash);
    expect(found?.receipt).toEqual(citing.receipt);
    expect(found?.attribution).toEqual(attribution);
    expect((await second.receipts.find(plain.hash))?.attribution).toEqual([]);
  });

  it("reports itself writable", async () => {
    expect(await first.isWritable()).toBe(true);
  });
});

describe("shared rate limits on postgres", () => {
  it("counts hits from two stores in one window and restarts the window after it ends", async () => {
    const url = await cluster.createDatabase(`store_test_${++databases}`);
    const [a, b] = [await openStore(url), await openStore(url)];
    try {
      const now = 1_000_000;
      expect((await a.rateLimits!.hit("caller:x", 60_000, now)).hits).toBe(1);
      expect(await b.rateLimits!.hit("caller:x", 60_000, now + 1)).toEqual({ hits: 2, resetAt: now + 60_000 });
      await b.rateLimits!.unhit("caller:x");
      expect((await a.rateLimits!.hit("caller:x", 60_000, now + 2)).hits).toBe(2);
      expect(await a.rateLimits!.hit("caller:x", 60_000, now + 60_000)).toEqual({
        hits: 1,
        resetAt: now + 120_000,
      });
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe("store errors", () => {
  it("calls an unreachable PostgreSQL busy (503 store_busy, retry), and other errors not", async () => {
    const port = await freePort();
    const error = await openStore(`postgres://postgres@127.0.0.1:${port}/kho`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(isStoreBusy(error)).toBe(true);
    expect(isStoreBusy(new Error("duplicate key value violates unique constraint"))).toBe(false);
  });
});
