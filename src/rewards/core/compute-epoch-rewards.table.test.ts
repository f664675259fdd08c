import { describe, expect, it } from "vitest";
import {
  DAY,
  DUST,
  EPOCH_END,
  EPOCH_LENGTH,
  EPOCH_START,
  addr,
  calls,
  fullStake,
  input,
  model,
  receipt,
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
  it("two members, two deployments, one full-epoch staker: an exact 50/20/30 split", () => {
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
        members: new Map([[1n, [U1, U2]]]),
        receipts: [
          receipt({ model: 1n, deployment: 11n, user: U1 }),
          receipt({ model: 1n, deployment: 12n, user: U2 }),
        ],
        stakes: [fullStake(1n, S1, 100n)],
      }),
    );
    // U = 1 + 1 = 2.0; builders 5000, operators 2000 split by calls served, stakers 3000.
    expect(amounts(result)).toEqual({ [B1]: 5000n, [O1]: 1000n, [O2]: 1000n, [S1]: 3000n });
    expect(result.models[0]!.score).toBe(2n * 10n ** 18n);
    expect(result.dust.total).toBe(0n);
    expect(result.unallocated).toBe(0n);
  });

  it("saturation, retention, pseudonyms, self-usage, unstaked and unlinked shares, partial stake", () => {
    const receipts = [
      // U1 on model 1: 4 calls on day 0 via 11, 1 call on day 1 via 12 → activity 1.1875 + 1.
      ...calls(4, { model: 1n, deployment: 11n, user: U1 }),
      receipt({ model: 1n, deployment: 12n, user: U1, day: 1 }),
      // U2: one call, but active in 2 previous epochs → ×1.2.
      receipt({ model: 1n, deployment: 11n, user: U2, day: 2 }),
      // A salted pseudonym: non-member weight 0.25.
      receipt({ model: 1n, deployment: 12n, user: { salted: 1 }, day: 3 }),
      // Operator O1 using its own model: weight 0, served score 0.
      ...calls(5, { model: 1n, deployment: 11n, user: O1, day: 4 }),
      // Model 2 (no datasets): member U1 and non-member B1 (a builder, but not of model 2).
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
            [1n, 2n],
          ),
          model(2n, B2, [[21n, O3]]),
        ],
        members: new Map([[1n, [U1, U2, O1]]]),
        receipts,
        history: [{ modelId: 1n, userId: addressUserId(U2), userKind: UserKind.Wallet, epochsActive: 2 }],
        stakes: [
          fullStake(1n, S1, 100n),
          {
            datasetId: 1n,
            staker: S2,
            amountAtStart: 0n,
            checkpoints: [{ timestamp: EPOCH_START + EPOCH_LENGTH / 2n, amount: 300n }],
          },
        ],
      }),
    );
    // Independently computed from docs/rewards.md (Python, math.isqrt):
    // u1 = isqrt((1.1875 + 1)e18 · 1e18) = 1479019945774904010, u2 = 1.2e18, pseudonym 0.25e18 → U1 = 2929019945774904010
    // model 2: 1e18 + 0.25e18 = 1.25e18; ΣU = 4179019945774904010.
    expect(result.models.map((m) => m.score)).toEqual([2929019945774904010n, 1250000000000000000n]);
    expect(amounts(result)).toEqual({
      [B1]: 350443403451115140n,
      [B2]: 149556596548884859n,
      // O1 served 4/5 of U1's calls and all of U2's; its own 5 calls add nothing.
      [O1]: 114056213540182570n,
      [O2]: 26121147840263485n,
      [O3]: 59822638619553943n,
      // Dataset 1 share (half of model 1's staker share), split by stake × seconds: 100·L vs 300·L/2.
      [S1]: 42053208414133816n,
      [S2]: 63079812621200725n,
      // Unstaked dataset 2 + model 2's staker share (no datasets) + 5 wei rounding.
      [DUST]: 194866978964665462n,
    });
    expect(result.dust).toEqual({
      rounding: 5n,
      modelsWithoutDatasets: 89733957929330915n,
      unstakedDatasets: 105133021035334542n,
      uncoveredStakeTime: 0n,
      total: 194866978964665462n,
    });
    const m1 = result.models[0]!;
    expect(m1).toMatchObject({
      calls: 12,
      distinctUsers: 4,
      returningUsers: 2,
      memberUsers: 2,
      nonMemberUsers: 1,
      selfUsers: 1,
      selfCalls: 5,
      stakerShare: 210266042070669084n,
    });
    expect(result.accounts.reduce((s, a) => s + a.amount, 0n)).toBe(10n ** 18n);
  });

  it("a lone staker who arrives 60 seconds before the end earns 60/L of the dataset's share", () => {
    const result = computeEpochRewards(
      input({
        budget: 1_000_000_000n,
        params: { dustRecipient: DUST, builderShareBps: 0, operatorShareBps: 0, stakerShareBps: 10_000 },
        registry: [model(1n, B1, [[11n, O1]], [1n])],
        members: new Map([[1n, [U1]]]),
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
    // share 1e9 × 60 / 604800 = 99206 (floored); the rest of the share is uncovered.
    expect(amounts(result)).toEqual({ [B1]: 0n, [O1]: 0n, [S3]: 99_206n, [DUST]: 1_000_000_000n - 99_206n });
    expect(result.dust.uncoveredStakeTime).toBe(1_000_000_000n - 99_206n);
    expect(result.datasets[0]!.coveredSeconds).toBe(60n);
  });

  it("a dataset whose only staker held zero stake all epoch counts as unstaked", () => {
    const result = computeEpochRewards(
      input({
        budget: 1_000n,
        params: { dustRecipient: DUST, builderShareBps: 0, operatorShareBps: 0, stakerShareBps: 10_000 },
        registry: [model(1n, B1, [[11n, O1]], [1n])],
        members: new Map([[1n, [U1]]]),
        receipts: [receipt({ model: 1n, deployment: 11n, user: U1 })],
        stakes: [
          { datasetId: 1n, staker: S3, amountAtStart: 0n, checkpoints: [{ timestamp: EPOCH_START + 5n, amount: 0n }] },
        ],
      }),
    );
    expect(amounts(result)).toEqual({ [B1]: 0n, [O1]: 0n, [DUST]: 1_000n });
    expect(result.dust.unstakedDatasets).toBe(1_000n);
  });

  it("an epoch whose only usage is self-usage pays nothing and carries the whole budget", () => {
    const result = computeEpochRewards(
      input({
        budget: 777n,
        registry: [model(1n, B1, [[11n, O1]], [1n])],
        members: new Map([[1n, [B1, O1]]]),
        receipts: [
          receipt({ model: 1n, deployment: 11n, user: B1 }),
          receipt({ model: 1n, deployment: 11n, user: O1, day: 1 }),
        ],
        stakes: [fullStake(1n, S1, 5n)],
      }),
    );
    expect(result.accounts).toEqual([]);
    expect(result.unallocated).toBe(777n);
    expect(result.models[0]!).toMatchObject({ calls: 2, selfCalls: 2, score: 0n, builderPayout: 0n });
  });

  it("days are counted from epochStart in dayLengthSeconds steps", () => {
    const base = {
      budget: 1000n,
      registry: [model(1n, B1, [[11n, O1]])],
      members: new Map([[1n, [U1]]]),
    };
    // 23:59:59 and 00:00:00 of the epoch clock are two days: activity 2.0, score sqrt(2).
    const twoDays = computeEpochRewards(
      input({
        ...base,
        receipts: [
          receipt({ model: 1n, deployment: 11n, user: U1, second: Number(DAY) - 1 }),
          receipt({ model: 1n, deployment: 11n, user: U1, day: 1 }),
        ],
      }),
    );
    expect(twoDays.models[0]!.score).toBe(1414213562373095048n);
    expect(twoDays.models[0]!.returningUsers).toBe(1);
  });
});
