import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { type Hex, bytesToHex, keccak256, toBytes } from "viem";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UserKind, ZERO_BYTES32 } from "../../protocol";
import { type NewReceipt, type RelayerStore, type StoreTx, openSqliteStore } from "./index";
import { ReceiptWriter, ReceiptWriterError } from "./receipt-writer";

const SIGNER = "0x1111111111111111111111111111111111111111";

function receiptNumber(n: number): NewReceipt {
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
      timestamp: 1_700_000_000n,
      epoch: 1n,
      fee: 0n,
      payer: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
      userAuth: ZERO_BYTES32,
      attributionHash: ZERO_BYTES32,
    },
    hash: id("hash"),
    signature: bytesToHex(new Uint8Array(65).fill(n % 256)),
    signer: SIGNER,
    attribution: [],
    operator: SIGNER,
  };
}

let dir: string;
let file: string;
let store: RelayerStore;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "kho-receipt-writer-"));
  file = path.join(dir, "relayer.sqlite");
  store = openSqliteStore(file);
});

afterEach(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** What another process would see: only committed rows. */
function committedReceiptCount(): number {
  const reader = new Database(file, { readonly: true });
  try {
    return reader.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM receipts").get()!.n;
  } finally {
    reader.close();
  }
}

describe("ReceiptWriter", () => {
  it("commits many concurrent submissions in far fewer transactions", async () => {
    const writer = new ReceiptWriter(store);
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        writer.submit(async (tx) => void (await tx.receipts.insert(receiptNumber(i)))),
      ),
    );
    expect(committedReceiptCount()).toBe(200);
    // 64 at a time when the queue fills, the rest at the end of the turn.
    expect(writer.stats()).toEqual({ transactions: 4, committed: 200, rejected: 0 });
  });

  it("rejects a failing write alone while the others in its transaction commit", async () => {
    const writer = new ReceiptWriter(store);
    const duplicate = receiptNumber(1);
    const results = await Promise.allSettled([
      writer.submit(async (tx) => void (await tx.receipts.insert(receiptNumber(0)))),
      writer.submit(async (tx) => {
        await tx.receipts.insert(duplicate);
        await tx.receipts.insert(duplicate);
      }),
      writer.submit(async (tx) => void (await tx.receipts.insert(receiptNumber(2)))),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    const failure = results[1]!.status === "rejected" ? results[1].reason : null;
    expect(String(failure)).toMatch(/UNIQUE constraint failed/);
    expect(writer.stats()).toEqual({ transactions: 1, committed: 2, rejected: 1 });
    // The failing write's first insert was rolled back with its savepoint.
    expect(committedReceiptCount()).toBe(2);
    expect(await store.receipts.find(duplicate.receipt.requestId)).toBeNull();
  });

  it("settles each submission only after its transaction committed", async () => {
    const writer = new ReceiptWriter(store);
    const seenAtResolve: number[] = [];
    const submissions = Array.from({ length: 10 }, (_, i) =>
      writer
        .submit(async (tx) => void (await tx.receipts.insert(receiptNumber(i))))
        .then(() => {
          seenAtResolve.push(committedReceiptCount());
        }),
    );
    // Nothing runs in the submitting turn.
    expect(committedReceiptCount()).toBe(0);
    await Promise.all(submissions);
    expect(seenAtResolve).toEqual(Array.from({ length: 10 }, () => 10));
  });

  it("rejects every submission when the transaction cannot commit", async () => {
    // The writes run, then the commit fails: the case where resolving early would lie.
    const failing: RelayerStore = {
      ...store,
      transaction: <T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> =>
        store.transaction(async (tx) => {
          await fn(tx);
          throw new Error("disk I/O error");
        }),
    };
    const writer = new ReceiptWriter(failing);
    const results = await Promise.allSettled([
      writer.submit(async (tx) => void (await tx.receipts.insert(receiptNumber(0)))),
      writer.submit(async (tx) => void (await tx.receipts.insert(receiptNumber(1)))),
    ]);
    for (const result of results) {
      expect(result.status).toBe("rejected");
      if (result.status === "rejected") expect(result.reason).toBeInstanceOf(ReceiptWriterError);
    }
    expect(writer.stats().transactions).toBe(0);
    expect(committedReceiptCount()).toBe(0);
  });

  it("refuses a bad maxPending", () => {
    expect(() => new ReceiptWriter(store, { maxPending: 0 })).toThrow(ReceiptWriterError);
  });
});
