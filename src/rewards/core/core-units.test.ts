import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addressUserId, UserKind } from "../../protocol/receipt";
import { EPOCH_END, EPOCH_START, addr, input, model, receipt, recognized } from "./__fixtures__/epoch";
import { computeEpochRewards } from "./compute-epoch-rewards";
import { RewardsInputError } from "./errors";
import { SCORE_SCALE, isqrt, sublinear } from "./fixed-point";
import { allocateIdentityBudgets } from "./identity-budget";
import { allocateBudgetToModels } from "./model-allocation";
import { userIdentity } from "./identity";
import { defaultRewardParams, resolveRewardParams } from "./params";
import { identityCap, retentionPoints } from "./retention";
import { measureStakeTime } from "./stake-time";
import type { InferenceReceipt } from "./types";

describe("fixed point", () => {
  it("isqrt is the floor square root", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 300n }), (n) => {
        const r = isqrt(n);
        expect(r * r <= n && n < (r + 1n) * (r + 1n)).toBe(true);
      }),
    );
  });

  it("sublinear is the identity up to 1.0 and the square root above, never more than its input", () => {
    expect(sublinear(SCORE_SCALE / 10n)).toBe(SCORE_SCALE / 10n);
    expect(sublinear(4n * SCORE_SCALE)).toBe(2n * SCORE_SCALE);
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.bigInt({ min: 0n, max: 10n ** 30n }), (a, b) => {
        expect(sublinear(a)).toBeLessThanOrEqual(a);
        if (a <= b) expect(sublinear(a)).toBeLessThanOrEqual(sublinear(b));
      }),
    );
  });
});

describe("retention and budgets", () => {
  it("points: a one-off visitor is oneOffBps of a day, then one per day plus one per earlier epoch", () => {
    expect(retentionPoints(1, 0, defaultRewardParams)).toBe(SCORE_SCALE / 10n);
    expect(retentionPoints(2, 0, defaultRewardParams)).toBe(2n * SCORE_SCALE);
    expect(retentionPoints(1, 1, defaultRewardParams)).toBe(2n * SCORE_SCALE);
    expect(retentionPoints(5, 9, defaultRewardParams)).toBe(10n * SCORE_SCALE);
    // A week of days and five earlier epochs: the most one identity reaches on one model.
    expect(identityCap(7n * 86_400n, defaultRewardParams)).toBe(12n * SCORE_SCALE);
    expect(identityCap(7n * 86_400n + 1n, defaultRewardParams)).toBe(13n * SCORE_SCALE);
  });

  it("an identity's budget is its points, at most its days over all models counted once, divided by points", () => {
    const day = SCORE_SCALE;
    const allocations = allocateIdentityBudgets(
      [
        // "a": days 0–2 on model 1 and the same days on model 2, 5 earlier epochs on model 1 → 3 + 5 = 8 in all.
        { modelId: 1n, identityKey: "a", days: [0, 1, 2], previousEpochs: 5, points: 8n * day },
        { modelId: 2n, identityKey: "a", days: [0, 1, 2], previousEpochs: 0, points: 3n * day },
        // "b": one call on one day: a one-off visitor.
        { modelId: 1n, identityKey: "b", days: [4], previousEpochs: 0, points: day / 10n },
        // "c": one-off on two models on two days: its points (0.2), not two returning days.
        { modelId: 1n, identityKey: "c", days: [0], previousEpochs: 0, points: day / 10n },
        { modelId: 2n, identityKey: "c", days: [1], previousEpochs: 0, points: day / 10n },
      ],
      defaultRewardParams,
    );
    expect(allocations).toEqual(
      new Map([
        ["1|a", (8n * day * 8n) / 11n],
        ["2|a", (8n * day * 3n) / 11n],
        ["1|b", day / 10n],
        ["1|c", day / 10n],
        ["2|c", day / 10n],
      ]),
    );
  });

  it("water-filling fixes every non-member part over its bound and shares the rest again", () => {
    const { allocations, unshared } = allocateBudgetToModels(1_000n, [
      { modelId: 1n, memberScore: 1n, nonMemberScore: 0n, nonMemberCap: 0n },
      { modelId: 2n, memberScore: 0n, nonMemberScore: 1n, nonMemberCap: 100n },
      { modelId: 3n, memberScore: 0n, nonMemberScore: 2n, nonMemberCap: 10_000n },
    ]);
    // Shares 250/250/500: model 2 is held at 100; the other 900 go 300/600.
    expect(allocations.map((a) => [a.memberReward, a.nonMemberReward, a.capped])).toEqual([
      [300n, 0n, false],
      [0n, 100n, true],
      [0n, 600n, false],
    ]);
    expect(unshared).toBe(0n);
    const alone = allocateBudgetToModels(1_000n, [
      { modelId: 1n, memberScore: 0n, nonMemberScore: 5n, nonMemberCap: 7n },
    ]);
    expect(alone.allocations[0]!.nonMemberReward).toBe(7n);
    expect(alone.unshared).toBe(993n);
  });
});

describe("identities", () => {
  it("wallet and key-owner ids of one address are one identity; pseudonyms are another space", () => {
    const id = addressUserId(addr(9));
    expect(userIdentity(id, UserKind.Wallet).key).toBe(userIdentity(id, UserKind.KeyOwner).key);
    expect(userIdentity(id, UserKind.SaltedHash).key).not.toBe(userIdentity(id, UserKind.Wallet).key);
    expect(() => userIdentity(`0x${"ab".repeat(32)}`, UserKind.Wallet)).toThrow(/not a left-padded address/);
    expect(() => userIdentity(id, 7)).toThrow(RewardsInputError);
  });
});

describe("stake × time", () => {
  it("integrates each staker's steps and counts seconds with any stake at or above the minimum", () => {
    const measured = measureStakeTime(
      [
        {
          datasetId: 1n,
          staker: addr(1),
          amountAtStart: 10n,
          checkpoints: [{ timestamp: EPOCH_START + 100n, amount: 0n }],
        },
        {
          datasetId: 1n,
          staker: addr(2),
          amountAtStart: 0n,
          checkpoints: [
            { timestamp: EPOCH_START + 300n, amount: 0n },
            { timestamp: EPOCH_START + 200n, amount: 5n },
          ],
        },
      ],
      EPOCH_START,
      EPOCH_START + 1000n,
      0n,
    ).get(1n)!;
    expect(measured.stakers.map((s) => s.stakeTime)).toEqual([1000n, 500n]);
    expect(measured.coveredSeconds).toBe(200n);
    expect(measured.stakers.map((s) => s.stakeAtEnd)).toEqual([0n, 0n]);
  });
});

describe("input validation", () => {
  const registry = [model(1n, addr(100), [[11n, addr(101)]])];
  const ok = receipt({ model: 1n, deployment: 11n, user: addr(1) });
  const run = (overrides: Parameters<typeof input>[0]) => () => computeEpochRewards(input({ registry, ...overrides }));

  it.each([
    ["a receipt of another epoch", { receipts: [{ ...ok, epoch: 8n }] }, /belongs to epoch 8/],
    ["a receipt after the window", { receipts: [{ ...ok, timestamp: EPOCH_END }] }, /outside/],
    ["an unknown model", { receipts: [{ ...ok, modelId: 9n }] }, /registry lacks/],
    ["a deployment of another model", { receipts: [{ ...ok, deploymentId: 12n }] }, /does not list/],
    ["a duplicate model", { registry: [...registry, ...registry] }, /appears twice/],
    [
      "a bad builder address",
      { registry: [{ ...registry[0]!, builder: "0x12" as `0x${string}` }] },
      /not a 20-byte hex address/,
    ],
    ["shares not summing to 10000", { params: { builderShareBps: 1 } }, /must equal 10000/],
    ["a paid bound of 100%", { params: { paidRewardCapBps: 10_000 } }, /paidRewardCapBps/],
    ["an unknown parameter", { params: { dustRecipient: addr(1) } as object }, /dustRecipient/],
    ["a receipt without a payer", { receipts: [{ ...ok, payer: "0x12" as `0x${string}` }] }, /payer 0x12/],
    ["a negative fee", { receipts: [{ ...ok, fee: -1n }] }, /fee -1/],
    ["a protocol fee share over 100%", { protocolFeeBps: 10_001 }, /Protocol fee share/],
    [
      "a model without an admission flag",
      { registry: [{ ...registry[0]!, admitted: undefined as unknown as boolean }] },
      /Admission of model 1/,
    ],
    [
      "an unrecognized-or-not community",
      { communities: new Map([[1n, { recognized: "yes" as unknown as boolean, members: [] }]]) },
      /Recognition of community 1/,
    ],
    [
      "a community member that is no address",
      { communities: new Map([[1n, { recognized: true, members: ["0x12" as `0x${string}`] }]]) },
      /Member of community 1 0x12 is not a 20-byte hex address/,
    ],
    ["a negative budget", { budget: -1n }, /Budget/],
    ["an empty window", { epochEnd: EPOCH_START }, /Epoch window/],
    [
      "two checkpoints at one second",
      {
        stakes: [
          {
            datasetId: 1n,
            staker: addr(3),
            amountAtStart: 0n,
            checkpoints: [
              { timestamp: EPOCH_START + 5n, amount: 1n },
              { timestamp: EPOCH_START + 5n, amount: 2n },
            ],
          },
        ],
      },
      /two checkpoints/,
    ],
    [
      "a negative history count",
      { history: [{ modelId: 1n, userId: addressUserId(addr(1)), userKind: UserKind.Wallet, epochsActive: -1 }] },
      /epochsActive/,
    ],
  ] as const)("rejects %s with one clear sentence", (_, overrides, message) => {
    expect(run(overrides as Parameters<typeof input>[0])).toThrow(message);
    expect(run(overrides as Parameters<typeof input>[0])).toThrow(RewardsInputError);
  });

  it("fills documented defaults; a wei amount may be a decimal string (JSON)", () => {
    expect(resolveRewardParams({})).toEqual({
      builderShareBps: 5000,
      operatorShareBps: 2000,
      stakerShareBps: 3000,
      dayLengthSeconds: 86400,
      oneOffBps: 1000,
      retentionEpochBps: 10000,
      retentionMaxEpochs: 5,
      nonMemberWeightBps: 2500,
      paidRewardCapBps: 5000,
      minEffectiveStake: 100n * 10n ** 18n,
      contributorShareBps: 1000,
    });
    expect(resolveRewardParams({})).toEqual(defaultRewardParams);
    expect(resolveRewardParams({ minEffectiveStake: "5" }).minEffectiveStake).toBe(5n);
  });
});

describe("streaming", () => {
  it("consumes a 200 000-receipt generator once, keeping only aggregates", () => {
    let produced = 0;
    function* stream(): Generator<InferenceReceipt> {
      const template = receipt({ model: 1n, deployment: 11n, user: addr(1) });
      for (let i = 0; i < 200_000; i++) {
        produced++;
        yield {
          ...template,
          userId: addressUserId(addr(1 + (i % 500))),
          payer: addr(1 + (i % 500)),
          timestamp: EPOCH_START + BigInt((i * 3) % 604_800),
        };
      }
    }
    const members = Array.from({ length: 500 }, (_, i) => addr(1 + i));
    const result = computeEpochRewards(
      input({
        registry: [model(1n, addr(9000), [[11n, addr(9001)]])],
        communities: recognized([[1n, members]]),
        receipts: stream(),
        budget: 10n ** 21n,
      }),
    );
    expect(produced).toBe(200_000);
    expect(result.totals.receipts).toBe(200_000);
    expect(result.models[0]!.distinctUsers).toBe(500);
    expect(result.accounts.reduce((s, a) => s + a.amount, 0n) + result.unallocated).toBe(10n ** 21n);
    expect(result.carry.modelsWithoutDatasets).toBeGreaterThan(0n);
  });
});
