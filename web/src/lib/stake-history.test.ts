import { parseUnits } from "viem";
import { describe, expect, it } from "vitest";
import { stakeHistory } from "./stake-history";

const kho = (n: string) => parseUnits(n, 18);

describe("stakeHistory", () => {
  it("adds stakes and removes unstakes per dataset in chain order, one point per block", () => {
    const times = new Map([
      [10n, 1_000n],
      [12n, 2_000n],
      [15n, 3_000n],
    ]);
    const history = stakeHistory(
      [
        // Given out of order, as two event queries return them.
        { datasetId: 1n, blockNumber: 15n, logIndex: 0, delta: -kho("200") },
        { datasetId: 1n, blockNumber: 10n, logIndex: 0, delta: kho("500") },
        { datasetId: 2n, blockNumber: 12n, logIndex: 1, delta: kho("7") },
        { datasetId: 1n, blockNumber: 12n, logIndex: 3, delta: kho("1") },
        { datasetId: 1n, blockNumber: 12n, logIndex: 0, delta: kho("500") },
      ],
      times,
    );
    expect(history.get(1n)).toEqual([
      { time: 1_000n, total: kho("500") },
      { time: 2_000n, total: kho("1001") },
      { time: 3_000n, total: kho("801") },
    ]);
    expect(history.get(2n)).toEqual([{ time: 2_000n, total: kho("7") }]);
  });

  it("refuses a change whose block time is unknown", () => {
    expect(() => stakeHistory([{ datasetId: 1n, blockNumber: 9n, logIndex: 0, delta: 1n }], new Map())).toThrow(
      "no timestamp for block 9",
    );
  });
});
