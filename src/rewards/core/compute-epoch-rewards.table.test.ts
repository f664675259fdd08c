import { describe, expect, it } from "vitest";
import {
  DAY,
  EPOCH_END,
  KEY_OWNER,
  EPOCH_LENGTH,
  EPOCH_START,
  addr,
  calls,
  fullStake,
  input,
  model,
  receipt,
  recognized,
} from "./__fixtures__/epoch";
import { computeEpochRewards } from "./compute-epoch-rewards";
import { UserKind, addressUserId } from "../../protocol/receipt";
import type { EpochRewardsResult } from "./types";

const B1 = addr(101);
const B2 = addr(102);
const O1 = addr(111);
const O2 = addr(112);
const O3 = addr(113);
const U1 = addr(1);
const U2 = addr(2);
const S1 = addr(201);
const S2 = addr(202);
const S3 = addr(203);

function amounts(result: EpochRewardsResult): Record<string, bigint> {
  return Object.fromEntries(result.accounts.map((a) => [a.account, a.amount]));
}

describe("hand-computed epochs", () => {
  const STAKE = 100n * 10n ** 18n;

  it("two one-off members, two deployments, one full-epoch staker: an exact 50/20/30 split", () => {
    const result = computeEpochRewards(
      input({
        budget: 10_000n,
        registry: [
          model(
            1n,
            B1,
            [
              [11n, O1],
              [12n, O2],
            ],
            [1n],
          ),
        ],
        communities: recognized([[1n, [U1, U2]]]),
        receipts: [
          receipt({ model: 1n, deployment: 11n, user: U1 }),
          receipt({ model: 1n, deployment: 12n, user: U2 }),
        ],
        stakes: [fullStake(1n, S1, STAKE)],
      }),
    );
    // Two one-off visitors: 0.1 + 0.1; the only model takes the whole budget: 5000/2000/3000.
    expect(amounts(result)).toEqual({ [B1]: 5000n, [O1]: 1000n, [O2]: 1000n, [S1]: 3000n });
    expect(result.models[0]!.memberScore).toBe(2n * 10n ** 17n);
    expect(result.carry.total).toBe(0n);
    expect(result.unallocated).toBe(0n);
  });

  it("days, retention, one budget over two models, a capped pseudonym, self-usage, a free model, stake minimum", () => {
    const fee = 10n ** 16n;
    const receipts = [
      // U1 on model 1: 4 calls on day 0 via 11, 1 call on day 1 via 12 → 2 days = 2.0.
      ...calls(4, { model: 1n, deployment: 11n, user: U1 }),
      receipt({ model: 1n, deployment: 12n, user: U1, day: 1 }),
      // U2: one call, but active in 2 previous epochs → 1 + 2 = 3.0.
      receipt({ model: 1n, deployment: 11n, user: U2, day: 2 }),
      // A paid pseudonym seen once: 0.1, clustered under its key owner, weight 0.25 → N = 0.025.
      receipt({ model: 1n, deployment: 12n, user: { salted: 1 }, day: 3, fee, payer: KEY_OWNER }),
      // Operator O1 using its own model: weight 0, served score 0.
      ...calls(5, { model: 1n, deployment: 11n, user: O1, day: 4 }),
      // Model 2 (free, no datasets): member U1 once (0.1 of its one budget), non-member B1 (free: 0).
      receipt({ model: 2n, deployment: 21n, user: U1, day: 5 }),
      receipt({ model: 2n, deployment: 21n, user: B1, day: 6, kind: UserKind.KeyOwner }),
    ];
    const result = computeEpochRewards(
      input({
        budget: 10n ** 18n,
        registry: [
          model(
            1n,
            B1,
            [
              [11n, O1],
              [12n, O2],
            ],
            [1n],
            1n,
            { pricePerCall: fee },
          ),
          model(2n, B2, [[21n, O3]]),
        ],
        communities: recognized([[1n, [U1, U2, O1]]]),
        receipts,
        history: [{ modelId: 1n, userId: addressUserId(U2), userKind: UserKind.Wallet, epochsActive: 2 }],
        stakes: [
          fullStake(1n, S1, 2n * STAKE),
          {
            datasetId: 1n,
            staker: S2,
            amountAtStart: 0n,
            checkpoints: [{ timestamp: EPOCH_START + EPOCH_LENGTH / 2n, amount: STAKE }],
          },
          // Below the 100 KHO minimum: counts zero.
          fullStake(1n, S3, STAKE - 1n),
        ],
      }),
    );
    // Independently computed from docs/rewards.md (Python): M1 = 5.0, N1 = 0.025, M2 = 0.1. N1's share
    // (4.878e15) exceeds its bound (10% × 50% of 1e16 = 5e14), so it is fixed at 5e14 and the rest
    // (1e18 − 5e14) is shared by M1 and M2: 979901960784313725 + 19598039215686274.
    expect(result.models.map((m) => [m.memberScore, m.nonMemberScore])).toEqual([
      [5n * 10n ** 18n, 25n * 10n ** 15n],
      [10n ** 17n, 0n],
    ]);
    expect(result.models[0]!).toMatchObject({
      nonMemberFees: fee,
      nonMemberProtocolFees: 10n ** 15n,
      nonMemberRewardCap: 5n * 10n ** 14n,
      nonMemberCapped: true,
      memberReward: 979901960784313725n,
      nonMemberReward: 5n * 10n ** 14n,
      reward: 980401960784313725n,
      calls: 12,
      distinctUsers: 4,
      returningUsers: 2,
      memberUsers: 2,
      nonMemberUsers: 1,
      nonMemberPayers: 1,
      selfUsers: 1,
      selfCalls: 5,
      stakerShare: 294120588235294118n,
    });
    expect(amounts(result)).toEqual({
      [B1]: 490200980392156862n,
      [B2]: 9799019607843137n,
      // O1 served 4/5 of U1's weight and all of U2's (4.6); O2 1/5 of U1's and the pseudonym's (0.425).
      [O1]: 179496478392351965n,
      [O2]: 16583913764510779n,
      [O3]: 3919607843137254n,
      // Dataset 1's share split by effective stake × seconds: 200·L vs 100·L/2; S3 is below the minimum.
      [S1]: 235296470588235294n,
      [S2]: 58824117647058823n,
    });
    expect(result.carry).toEqual({
      noEligibleUsage: 0n,
      nonMemberFeeBound: 0n,
      // Model 2 links no dataset: its staker share waits for the next epoch.
      modelsWithoutDatasets: 5879411764705883n,
      unstakedDatasets: 0n,
      uncoveredStakeTime: 0n,
      rounding: 3n,
      total: 5879411764705886n,
    });
    expect(result.accounts.reduce((s, a) => s + a.amount, 0n) + result.unallocated).toBe(10n ** 18n);
  });

  it("only non-member usage: it earns its paid bound and the rest of the budget is carried", () => {
    const result = computeEpochRewards(
      input({
        budget: 10n ** 18n,
        registry: [model(1n, B1, [[11n, O1]], [], 1n, { admitted: false, pricePerCall: 10n ** 18n })],
        receipts: [0, 1, 2].map((d) => receipt({ model: 1n, deployment: 11n, user: U1, day: d, fee: 10n ** 18n })),
      }),
    );
    // 3 KHO of fees, 10% protocol, 50% of that: 0.15 KHO for the whole model.
    expect(result.models[0]!.reward).toBe(15n * 10n ** 16n);
    expect(amounts(result)).toEqual({ [B1]: 75n * 10n ** 15n, [O1]: 30n * 10n ** 15n });
    expect(result.carry.nonMemberFeeBound).toBe(85n * 10n ** 16n);
    expect(result.carry.modelsWithoutDatasets).toBe(45n * 10n ** 15n);
  });

  it("a lone staker who arrives 60 seconds before the end earns 60/L of the dataset's share", () => {
    const result = computeEpochRewards(
      input({
        budget: 1_000_000_000n,
        params: { builderShareBps: 0, operatorShareBps: 0, stakerShareBps: 10_000 },
        registry: [model(1n, B1, [[11n, O1]], [1n])],
        communities: recognized([[1n, [U1]]]),
        receipts: [receipt({ model: 1n, deployment: 11n, user: U1 })],
        stakes: [
          {
            datasetId: 1n,
            staker: S3,
            amountAtStart: 0n,
            checkpoints: [{ timestamp: EPOCH_END - 60n, amount: 10n ** 24n }],
          },
        ],
      }),
    );
    // share 1e9 × 60 / 604800 = 99206 (floored); the rest of the share is uncovered and carried.
    expect(amounts(result)).toEqual({ [B1]: 0n, [O1]: 0n, [S3]: 99_206n });
    expect(result.carry.uncoveredStakeTime).toBe(1_000_000_000n - 99_206n);
    expect(result.datasets[0]!.coveredSeconds).toBe(60n);
  });

  it("a dataset whose only staker held zero stake, or less than the minimum, counts as unstaked", () => {
    for (const amount of [0n, STAKE - 1n]) {
      const result = computeEpochRewards(
        input({
          budget: 1_000n,
          params: { builderShareBps: 0, operatorShareBps: 0, stakerShareBps: 10_000 },
          registry: [model(1n, B1, [[11n, O1]], [1n])],
          communities: recognized([[1n, [U1]]]),
          receipts: [receipt({ model: 1n, deployment: 11n, user: U1 })],
          stakes: [
            {
              datasetId: 1n,
              staker: S3,
              amountAtStart: amount,
              checkpoints: [{ timestamp: EPOCH_START + 5n, amount }],
            },
          ],
        }),
      );
      expect(amounts(result)).toEqual({ [B1]: 0n, [O1]: 0n });
      expect(result.carry.unstakedDatasets).toBe(1_000n);
    }
  });

  it("an epoch whose only usage is self-usage pays nothing and carries the whole budget", () => {
    const result = computeEpochRewards(
      input({
        budget: 777n,
        registry: [model(1n, B1, [[11n, O1]], [1n])],
        communities: recognized([[1n, [B1, O1]]]),
        receipts: [
          receipt({ model: 1n, deployment: 11n, user: B1 }),
          receipt({ model: 1n, deployment: 11n, user: O1, day: 1 }),
        ],
        stakes: [fullStake(1n, S1, STAKE)],
      }),
    );
    expect(result.accounts).toEqual([]);
    expect(result.unallocated).toBe(777n);
    expect(result.carry.noEligibleUsage).toBe(777n);
    expect(result.models[0]!).toMatchObject({ calls: 2, selfCalls: 2, memberScore: 0n, builderPayout: 0n });
  });

  it("days are counted from epochStart in dayLengthSeconds steps", () => {
    const base = {
      budget: 1000n,
      registry: [model(1n, B1, [[11n, O1]])],
      communities: recognized([[1n, [U1]]]),
    };
    // 23:59:59 and 00:00:00 of the epoch clock are two days: 2.0, a returning user.
    const twoDays = computeEpochRewards(
      input({
        ...base,
        receipts: [
          receipt({ model: 1n, deployment: 11n, user: U1, second: Number(DAY) - 1 }),
          receipt({ model: 1n, deployment: 11n, user: U1, day: 1 }),
        ],
      }),
    );
    expect(twoDays.models[0]!.memberScore).toBe(2n * 10n ** 18n);
    expect(twoDays.models[0]!.returningUsers).toBe(1);
  });
});
