import { describe, expect, it } from "vitest";
import type { StakeEvent } from "../../src/rewards/pipeline/chain-history";
import { stakeHistories } from "../../src/rewards/pipeline/stake-histories";

const A = "0x00000000000000000000000000000000000000aA" as const;
const B = "0x00000000000000000000000000000000000000bB" as const;
let logIndex = 0;
const ev = (timestamp: bigint, staker: `0x${string}`, newStake: bigint, datasetId = 1n): StakeEvent => ({
  block: timestamp,
  logIndex: logIndex++,
  timestamp,
  datasetId,
  staker,
  newStake,
});

describe("stake histories from Staked / UnstakeRequested events", () => {
  it("takes the stake at epoch start, in-epoch changes (last write per second) and ignores later events", () => {
    const histories = stakeHistories(
      [
        ev(50n, A, 10n),
        ev(90n, A, 30n),
        ev(120n, A, 5n),
        ev(120n, A, 7n), // same second: the block's final value wins
        ev(150n, A, 0n),
        ev(210n, A, 99n), // after the epoch
        ev(100n, B, 4n), // exactly at epoch start
        ev(300n, B, 1n, 2n),
      ],
      100n,
      200n,
    );
    expect(histories).toEqual([
      {
        datasetId: 1n,
        staker: A,
        amountAtStart: 30n,
        checkpoints: [
          { timestamp: 120n, amount: 7n },
          { timestamp: 150n, amount: 0n },
        ],
      },
      { datasetId: 1n, staker: B, amountAtStart: 0n, checkpoints: [{ timestamp: 100n, amount: 4n }] },
    ]);
  });

  it("leaves out stakers with no stake during the epoch", () => {
    expect(stakeHistories([ev(10n, A, 5n), ev(20n, A, 0n)], 100n, 200n)).toEqual([]);
  });
});
