import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addressUserId, UserKind } from "../../protocol/receipt";
import { DUST, EPOCH_END, EPOCH_START, addr, input, model, receipt } from "./__fixtures__/epoch";
import { computeEpochRewards } from "./compute-epoch-rewards";
import { dayScore } from "./daily-saturation";
import { RewardsInputError } from "./errors";
import { SCORE_SCALE, isqrt } from "./fixed-point";
import { userIdentity } from "./identity";
import { resolveRewardParams } from "./params";
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

  it("a day's score is 1 for one call and approaches 1 + α", () => {
    expect(dayScore(1, 2500)).toBe(SCORE_SCALE);
    expect(dayScore(4, 2500)).toBe(1_187_500_000_000_000_000n);
    expect(dayScore(1_000_000, 2500)).toBeLessThan(1_250_000_000_000_000_000n);
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
  it("integrates each staker's steps and counts seconds with any stake", () => {
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
    ["shares not summing to 10000", { params: { dustRecipient: DUST, builderShareBps: 1 } }, /must equal 10000/],
    ["a missing dust recipient", { params: {} as { dustRecipient: string } }, /dustRecipient/],
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

  it("fills documented defaults", () => {
    expect(resolveRewardParams({ dustRecipient: DUST.toLowerCase() })).toEqual({
      builderShareBps: 5000,
      operatorShareBps: 2000,
      stakerShareBps: 3000,
      nonMemberWeightBps: 2500,
      dayLengthSeconds: 86400,
      saturationBonusBps: 2500,
      retentionBonusBps: 1000,
      retentionMaxEpochs: 5,
      identityCapBps: 60000,
      dustRecipient: DUST,
    });
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
          timestamp: EPOCH_START + BigInt((i * 3) % 604_800),
        };
      }
    }
    const result = computeEpochRewards(
      input({ registry: [model(1n, addr(9000), [[11n, addr(9001)]])], receipts: stream(), budget: 10n ** 21n }),
    );
    expect(produced).toBe(200_000);
    expect(result.totals.receipts).toBe(200_000);
    expect(result.models[0]!.distinctUsers).toBe(500);
    expect(result.accounts.reduce((s, a) => s + a.amount, 0n)).toBe(10n ** 21n);
  });
});
