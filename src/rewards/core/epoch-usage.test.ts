import fc from "fast-check";
import type { Hex } from "viem";
import { describe, expect, it } from "vitest";
import {
  EPOCH,
  EPOCH_END,
  EPOCH_START,
  addr,
  arbEpochInput,
  arrays,
  input,
  model,
  receipt,
  recognized,
} from "./__fixtures__/epoch";
import { computeEpochRewards } from "./compute-epoch-rewards";
import { UsageAggregator } from "./aggregate-usage";
import { EpochUsage } from "./epoch-usage";
import { prepareRegistry } from "./prepare-inputs";
import { serializeEpochRewards } from "./serialize-epoch-rewards";
import type { EpochRewardsInput, RewardReceipt } from "./types";

/** The same input with its receipts counted into an EpochUsage first, in the order given. */
function counted(i: EpochRewardsInput, receipts: Iterable<RewardReceipt>): EpochRewardsInput {
  const usage = new EpochUsage(i);
  for (const r of receipts) usage.add(r);
  return { ...i, receipts: usage };
}

const V1: Hex = `0x${"a1".repeat(32)}`;
const registry = [model(1n, addr(101), [[11n, addr(111)]], [1n])];

describe("EpochUsage", () => {
  it("gives byte-identical results to streaming the same receipts, in any order", () => {
    fc.assert(
      fc.property(arbEpochInput, (i) => {
        const { receipts } = arrays(i);
        const streamed = serializeEpochRewards(computeEpochRewards(i));
        expect(serializeEpochRewards(computeEpochRewards(counted(i, receipts)))).toBe(streamed);
        expect(serializeEpochRewards(computeEpochRewards(counted(i, [...receipts].reverse())))).toBe(streamed);
      }),
      { numRuns: 100 },
    );
  });

  it("resolves citations against the entries the result is computed with, not when the receipt was added", () => {
    const citing = [1, 2, 3].flatMap((n) =>
      [0, 1].map((day) => ({
        ...receipt({ model: 1n, deployment: 11n, user: addr(n), day }),
        attribution: [{ contentHash: V1, entryId: "ca-kho-to" }],
      })),
    );
    const base = input({
      registry,
      communities: recognized([[1n, [addr(1), addr(2), addr(3)]]]),
      datasetEntries: [{ datasetId: 1n, version: 1n, contentHash: V1, entryId: "ca-kho-to", contributor: addr(1) }],
      receipts: citing,
    });
    const streamed = computeEpochRewards(base);
    expect(streamed.pools.contributors).toBeGreaterThan(0n);
    expect(serializeEpochRewards(computeEpochRewards(counted(base, citing)))).toBe(serializeEpochRewards(streamed));
  });

  it("names each (model, identity) pair by its first receipt and lists only what was added", () => {
    const first = receipt({ model: 1n, deployment: 11n, user: addr(1), kind: 2 });
    const usage = new EpochUsage(input({ registry }));
    usage.add(first);
    usage.add(receipt({ model: 1n, deployment: 11n, user: addr(1), kind: 1 }));
    usage.add({
      ...receipt({ model: 1n, deployment: 11n, user: addr(2) }),
      attribution: [{ contentHash: V1, entryId: "x" }],
    });
    expect(usage.size).toBe(3);
    expect([...usage.activity()]).toEqual([
      { modelId: 1n, identityKey: `a:${addr(1).toLowerCase()}`, userId: first.userId, userKind: 2 },
      { modelId: 1n, identityKey: `a:${addr(2).toLowerCase()}`, userId: expect.any(String), userKind: 1 },
    ]);
    expect([...usage.attributionLists()]).toEqual([[{ contentHash: V1, entryId: "x" }]]);
  });

  it("is turned into rewards once, and takes no receipt after", () => {
    const i = input({ registry });
    const usage = new EpochUsage(i);
    usage.add(receipt({ model: 1n, deployment: 11n, user: addr(1) }));
    computeEpochRewards({ ...i, receipts: usage });
    expect(() => computeEpochRewards({ ...i, receipts: usage })).toThrow(/already turned into rewards once/);
    expect(() => usage.add(receipt({ model: 1n, deployment: 11n, user: addr(2) }))).toThrow(/no receipt can be added/);
  });

  it("refuses an input it was not counted for", () => {
    const i = input({ registry });
    const usage = new EpochUsage(i);
    usage.add(receipt({ model: 1n, deployment: 11n, user: addr(1) }));
    const other = { ...i, registry: [...registry], receipts: usage };
    expect(() => computeEpochRewards(other)).toThrow(/another epoch, window, registry or day length/);
    expect(() => computeEpochRewards({ ...i, params: { dayLengthSeconds: 3_600 }, receipts: usage })).toThrow(
      /another epoch, window, registry or day length/,
    );
    expect(() => computeEpochRewards({ ...i, epochEnd: EPOCH_END + 1n, receipts: usage })).toThrow(/another epoch/);
  });

  it("checks each receipt as it is added, as streaming does", () => {
    const usage = new EpochUsage(input({ registry }));
    const ok = receipt({ model: 1n, deployment: 11n, user: addr(1) });
    expect(() => usage.add({ ...ok, epoch: EPOCH + 1n })).toThrow(/belongs to epoch/);
    expect(() => usage.add({ ...ok, timestamp: EPOCH_START - 1n })).toThrow(/outside/);
    expect(() => usage.add({ ...ok, modelId: 9n })).toThrow(/registry lacks/);
    expect(usage.size).toBe(0);
  });

  it("counts days exactly near the largest safe timestamps (number arithmetic) and beyond them (bigint)", () => {
    const day = 86_400n;
    for (const start of [2n ** 53n - 10n * day, 2n ** 60n]) {
      const aggregator = new UsageAggregator(prepareRegistry(registry), {
        epoch: EPOCH,
        epochStart: start,
        epochEnd: start + 10n * day - 1n,
        dayLengthSeconds: day,
      });
      const offsets = [0n, day - 1n, day, 5n * day + 1n, 10n * day - 2n];
      offsets.forEach((offset, n) =>
        aggregator.add({ ...receipt({ model: 1n, deployment: 11n, user: addr(n + 1) }), timestamp: start + offset }),
      );
      const users = [...aggregator.finish(new Map()).models.get(1n)!.users.values()];
      expect(users.map((u) => [...u.days.keys()])).toEqual([[0], [0], [1], [5], [9]]);
    }
  });

  it("keeps every day, deployment and payer of an identity, past the first and beyond the inline day bits", () => {
    const twoDeployments = [
      model(1n, addr(101), [
        [11n, addr(111)],
        [12n, addr(112)],
      ]),
    ];
    const aggregator = new UsageAggregator(prepareRegistry(twoDeployments), {
      epoch: EPOCH,
      epochStart: EPOCH_START,
      epochEnd: EPOCH_END,
      dayLengthSeconds: 3_600n,
    });
    const calls: [hour: bigint, deployment: bigint, payer: number][] = [
      [0n, 11n, 1],
      [29n, 12n, 2],
      [30n, 11n, 1],
      [31n, 11n, 3],
      [100n, 12n, 2],
      [100n, 11n, 1],
    ];
    for (const [hour, deployment, payer] of calls) {
      aggregator.add({
        ...receipt({ model: 1n, deployment, user: addr(1), payer: addr(payer), fee: 5n }),
        timestamp: EPOCH_START + hour * 3_600n,
      });
    }
    const user = [...aggregator.finish(new Map()).models.get(1n)!.users.values()][0]!;
    expect(user.calls).toBe(6);
    expect([...user.days].sort((a, b) => a - b)).toEqual([0, 29, 30, 31, 100]);
    expect([...user.deployments]).toEqual([
      [11n, 4],
      [12n, 2],
    ]);
    expect([...user.payers]).toEqual([
      [addr(1).toLowerCase(), 3],
      [addr(2).toLowerCase(), 2],
      [addr(3).toLowerCase(), 1],
    ]);
    expect(user.fees).toBe(30n);
  });
});
