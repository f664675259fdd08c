import { describe, expect, it } from "vitest";
import type { AttributedEntry } from "../../protocol/attribution";
import { addr, receipt } from "../core/__fixtures__/epoch";
import { packReceipts } from "./receipt-columns";
import { ReceiptStore } from "./receipt-store";

const cites = (entryId: string): AttributedEntry[] => [{ contentHash: `0x${"ab".repeat(32)}`, entryId }];

describe("ReceiptStore", () => {
  const receipts = [0, 1, 2, 3, 4].map((n) => receipt({ model: 1n, deployment: 1n, user: addr(n + 1) }));
  const columns = packReceipts([
    { receipt: receipts[0]! },
    { receipt: receipts[1]!, attribution: cites("kept") },
    { receipt: receipts[2]! },
    { receipt: receipts[3]!, attribution: cites("dropped") },
    { receipt: receipts[4]!, attribution: cites("also-kept") },
  ]);

  it("yields the kept rows' receipts and only the kept rows' attribution lists", () => {
    const store = new ReceiptStore();
    store.addBatch(columns, [0, 1, 2, 4]);
    expect(store.size).toBe(4);
    expect([...store.receipts()].map((r) => r.requestId)).toEqual([0, 1, 2, 4].map((i) => receipts[i]!.requestId));
    expect([...store.attributionLists()].map((list) => list[0]!.entryId)).toEqual(["kept", "also-kept"]);
  });

  it("refuses rows out of ascending order", () => {
    expect(() => new ReceiptStore().addBatch(columns, [2, 1])).toThrow(/ascending/);
  });
});
