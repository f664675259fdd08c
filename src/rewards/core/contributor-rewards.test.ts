import { describe, expect, it } from "vitest";
import type { Hex } from "viem";
import { addr, calls, fullStake, input, model, receipt, recognized } from "./__fixtures__/epoch";
import { computeEpochRewards } from "./compute-epoch-rewards";
import { contributorIncome as readContributorIncome } from "./contributor-income";
import { renderRewardsReport } from "./render-report";
import { serializeEpochRewards } from "./serialize-epoch-rewards";
import type { DatasetEntryCredit, EpochRewardsInput, RewardReceipt } from "./types";

const B = addr(101);
const O = addr(111);
const LAN = addr(1); // member who wrote "ca-kho-to"
const MAI = addr(2); // member who wrote "canh-chua"
const U3 = addr(3);
const U4 = addr(4);
const S = addr(201);
const V1: Hex = `0x${"a1".repeat(32)}`;
const V2: Hex = `0x${"a2".repeat(32)}`;
const OTHER: Hex = `0x${"b1".repeat(32)}`;

const credits: DatasetEntryCredit[] = [
  { datasetId: 1n, version: 1n, contentHash: V1, entryId: "ca-kho-to", contributor: LAN },
  { datasetId: 1n, version: 1n, contentHash: V1, entryId: "nuoc-mau", contributor: null },
  { datasetId: 1n, version: 2n, contentHash: V2, entryId: "ca-kho-to", contributor: LAN },
  { datasetId: 1n, version: 2n, contentHash: V2, entryId: "nuoc-mau", contributor: null },
  { datasetId: 1n, version: 2n, contentHash: V2, entryId: "canh-chua", contributor: MAI },
  { datasetId: 2n, version: 1n, contentHash: OTHER, entryId: "salmon", contributor: U4 },
];

/** `count` calls by `user` on one day each, citing `cited` (content hash, entry id) pairs. */
function cite(user: `0x${string}`, days: number, cited: [Hex, string][]): RewardReceipt[] {
  return Array.from({ length: days }, (_, day) => ({
    ...receipt({ model: 1n, deployment: 11n, user, day }),
    attribution: cited.map(([contentHash, entryId]) => ({ contentHash, entryId })),
  }));
}

function epoch(receipts: RewardReceipt[], overrides: Partial<EpochRewardsInput> = {}) {
  return computeEpochRewards(
    input({
      budget: 1_000_000n,
      registry: [model(1n, B, [[11n, O]], [1n])],
      communities: recognized([[1n, [LAN, MAI, U3, U4, addr(5), addr(6)]]]),
      stakes: [fullStake(1n, S, 100n * 10n ** 18n)],
      datasetEntries: credits,
      receipts,
      ...overrides,
    }),
  );
}

const contributorIncome = (r: ReturnType<typeof computeEpochRewards>, who: string) =>
  r.accounts.find((a) => a.account === who)?.byRole.contributor ?? 0n;

describe("contributor pool", () => {
  it("pays an entry's contributor 10 % of the model's reward when every counted answer cited it", () => {
    // U3 returns on 2 days and U4 on 2 days; every answer cites ca-kho-to (v1 or v2: the same entry).
    const r = epoch([...cite(U3, 2, [[V1, "ca-kho-to"]]), ...cite(U4, 2, [[V2, "ca-kho-to"]])]);
    const m = r.models[0]!;
    expect(m.reward).toBe(1_000_000n);
    expect(m.contributorPart).toBe(100_000n);
    expect(m.builderPayout).toBe(450_000n);
    expect(contributorIncome(r, LAN)).toBe(100_000n);
    expect(r.pools.contributors).toBe(100_000n);
    expect(r.entries).toEqual([
      {
        datasetId: 1n,
        entryId: "ca-kho-to",
        contributor: LAN,
        modelIds: [1n],
        usageScore: 4n * 10n ** 18n,
        amount: 100_000n,
      },
    ]);
    expect(r.accounts.find((a) => a.account === LAN)!.contributor).toEqual([
      { modelId: 1n, datasetId: 1n, entryId: "ca-kho-to", amount: 100_000n, usageScore: 4n * 10n ** 18n, users: 2 },
    ]);
  });

  it("weights entries by the retention of the people whose answers cited them", () => {
    // U3 comes back on 4 days for canh-chua; U4 once for ca-kho-to: 4 points against 0.1.
    const r = epoch([...cite(U3, 4, [[V2, "canh-chua"]]), ...cite(U4, 1, [[V2, "ca-kho-to"]])]);
    expect(r.models[0]!.contributorPart).toBe(100_000n);
    expect(contributorIncome(r, MAI)).toBe((100_000n * 40n) / 41n);
    expect(contributorIncome(r, LAN)).toBe((100_000n * 1n) / 41n);
  });

  it("takes only the share of usage built on credited entries; uncredited and unknown citations pay nobody", () => {
    const r = epoch([
      ...cite(U3, 2, [[V2, "nuoc-mau"]]), // credited to nobody
      ...cite(U4, 2, [[OTHER, "salmon"]]), // a dataset the model does not link
      ...cite(addr(5), 2, [[V2, "no-such-entry"]]),
      ...cite(addr(6), 2, [[V2, "canh-chua"]]),
    ]);
    // Four members, 2 days each: only addr(6)'s quarter of the usage cited a credited entry.
    const m = r.models[0]!;
    expect(m.contributorPart).toBe(25_000n);
    expect(contributorIncome(r, U4)).toBe(0n);
    expect(r.entries.map((e) => e.entryId)).toEqual(["canh-chua"]);
    expect(contributorIncome(r, MAI)).toBe(m.contributorPart);
  });

  it("keeps the whole reward for the roles when nothing is attributed, exactly as before", () => {
    const plain = [
      ...calls(2, { model: 1n, deployment: 11n, user: U3 }),
      receipt({ model: 1n, deployment: 11n, user: U4, day: 3 }),
    ];
    const r = epoch(plain);
    const without = epoch(plain, { datasetEntries: undefined });
    expect(r.models[0]!.contributorPart).toBe(0n);
    expect(r.accounts).toEqual(without.accounts);
    expect(r.pools.contributors).toBe(0n);
  });

  it("pays nobody for using their own entry, as user, as payer, or as the model's builder", () => {
    const own = epoch(cite(LAN, 5, [[V2, "ca-kho-to"]]));
    expect(contributorIncome(own, LAN)).toBe(0n);
    expect(own.models[0]!.contributorPart).toBe(0n);
    const paidByLan = cite(U3, 5, [[V2, "ca-kho-to"]]).map((r) => ({ ...r, payer: LAN }));
    expect(contributorIncome(epoch(paidByLan), LAN)).toBe(0n);
    const builderEntry = epoch(cite(U3, 5, [[V2, "ca-kho-to"]]), {
      datasetEntries: [{ datasetId: 1n, version: 2n, contentHash: V2, entryId: "ca-kho-to", contributor: B }],
    });
    expect(builderEntry.models[0]!.contributorPart).toBe(0n);
  });

  it("splits a call over the entries it cites: citing more never multiplies", () => {
    const one = epoch(cite(U3, 4, [[V2, "canh-chua"]]));
    const two = epoch(
      cite(U3, 4, [
        [V2, "canh-chua"],
        [V2, "ca-kho-to"],
      ]),
    );
    expect(contributorIncome(two, MAI) + contributorIncome(two, LAN)).toBe(contributorIncome(one, MAI));
    expect(contributorIncome(two, MAI)).toBe(contributorIncome(two, LAN));
  });

  it("rejects a content hash named as two versions and an entry with two contributors", () => {
    expect(() => epoch([], { datasetEntries: [credits[0]!, { ...credits[0]!, version: 3n }] })).toThrow(
      /^Content hash 0x(a1){32} is named as dataset 1 v1 and as dataset 1 v3\.$/,
    );
    expect(() => epoch([], { datasetEntries: [credits[0]!, { ...credits[0]!, contributor: MAI }] })).toThrow(
      /^Dataset entry ca-kho-to of dataset 1 v1 is listed with two different contributors\.$/,
    );
  });

  it("accounts for every wei", () => {
    const r = epoch([...cite(U3, 3, [[V2, "canh-chua"]]), ...cite(U4, 1, [[V1, "ca-kho-to"]])]);
    const paid = r.accounts.reduce((sum, a) => sum + a.amount, 0n);
    expect(paid + r.carry.total).toBe(r.budget);
  });
});

describe("contributor income from a payouts file", () => {
  it("reads an account's income by entry back from the serialized result", () => {
    const r = epoch([...cite(U3, 4, [[V2, "canh-chua"]]), ...cite(U4, 1, [[V2, "ca-kho-to"]])]);
    const json = JSON.parse(serializeEpochRewards(r)) as unknown;
    expect(readContributorIncome(json, MAI.toLowerCase() as `0x${string}`)).toEqual([
      { epoch: r.epoch, datasetId: 1n, entryId: "canh-chua", modelId: 1n, amount: (100_000n * 40n) / 41n },
    ]);
    expect(readContributorIncome(json, S)).toEqual([]);
    expect(() => readContributorIncome({ epoch: "x" }, MAI, "p.json")).toThrow(
      /^p\.json is not an epoch payouts file: epoch must be a decimal integer\.$/,
    );
  });
});

describe("the report", () => {
  it("lists contributor payouts per entry and explains each contributor's income", () => {
    const r = epoch([...cite(U3, 4, [[V2, "canh-chua"]]), ...cite(U4, 1, [[V2, "ca-kho-to"]])]);
    const report = renderRewardsReport(r);
    expect(report).toContain("## Contributors by entry");
    expect(report).toMatch(new RegExp(`\\| 1 \\| canh-chua \\| ${MAI} \\| 1 \\| 4(\\.0+)? \\| `));
    expect(report).toContain("entry canh-chua of dataset 1: cited in answers to 1 user of model 1");
  });
});
