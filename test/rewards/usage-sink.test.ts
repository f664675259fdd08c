import { describe, expect, it } from "vitest";
import type { AttributedEntry } from "../../src/protocol/attribution";
import { addr, input, model, receipt } from "../../src/rewards/core/__fixtures__/epoch";
import { EpochUsage } from "../../src/rewards/core";
import { ColumnRow, packReceipts } from "../../src/rewards/pipeline/receipt-columns";
import { addToUsage } from "../../src/rewards/pipeline/usage-sink";
import { columnReceipt } from "./helpers/column-receipt";

const cites = (entryId: string): AttributedEntry[] => [{ contentHash: `0x${"ab".repeat(32)}`, entryId }];

describe("the usage sink", () => {
  const receipts = [0, 1, 2, 3, 4].map((n) => ({
    ...receipt({ model: 1n, deployment: 11n, user: addr(n + 1), fee: BigInt(n) }),
    communityId: BigInt(n + 1),
  }));
  const columns = packReceipts([
    { receipt: receipts[0]! },
    { receipt: receipts[1]!, attribution: cites("kept") },
    { receipt: receipts[2]! },
    { receipt: receipts[3]!, attribution: cites("dropped") },
    { receipt: receipts[4]!, attribution: cites("also-kept") },
  ]);

  it("reads every field of a row as columnReceipt builds it", () => {
    const row = new ColumnRow();
    for (let i = 0; i < columns.count; i++) {
      const built = columnReceipt(columns, i);
      const read = row.at(columns, i);
      for (const key of Object.keys(built) as (keyof typeof built)[]) expect(read[key]).toEqual(built[key]);
      expect(read.attribution).toEqual(built.attribution);
    }
  });

  it("counts only the accepted rows, and only their attribution lists", () => {
    const usage = new EpochUsage(input({ registry: [model(1n, addr(101), [[11n, addr(111)]])] }));
    addToUsage(usage)(columns, [0, 1, 2, 4]);
    expect(usage.size).toBe(4);
    expect([...usage.attributionLists()].map((list) => list[0]!.entryId)).toEqual(["kept", "also-kept"]);
    expect([...usage.activity()].map((pair) => pair.userId)).toEqual([0, 1, 2, 4].map((i) => receipts[i]!.userId));
  });
});
