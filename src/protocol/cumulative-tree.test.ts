import fc from "fast-check";
import { type Address, getAddress } from "viem";
import { describe, expect, it } from "vitest";
import { rewardLeaf, verifyProof } from "./merkle";
import {
  buildCumulativeRewardTree,
  cumulativeAmounts,
  parseCumulativeRewardTree,
  serializeCumulativeRewardTree,
  RewardTreeError,
} from "./cumulative-tree";

const addr = (n: number): Address => getAddress(`0x${n.toString(16).padStart(40, "0")}`);

const arbAmounts = fc.uniqueArray(fc.tuple(fc.integer({ min: 1, max: 30 }), fc.bigInt({ min: 0n, max: 10n ** 30n })), {
  maxLength: 20,
  selector: ([n]) => n,
});

describe("cumulative reward tree", () => {
  it("every proof verifies, previous cumulative amounts are carried, zero accounts are left out", () => {
    fc.assert(
      fc.property(arbAmounts, arbAmounts, (previousList, payoutList) => {
        const previousCumulative = new Map<Address, bigint>(previousList.map(([n, v]) => [addr(n), v]));
        const payouts = payoutList.map(([n, amount]) => ({ account: addr(n), amount }));
        const tree = buildCumulativeRewardTree({ epoch: 3n, payouts, previousCumulative });
        const expected = new Map<string, bigint>();
        for (const [a, v] of previousCumulative) expected.set(a, v);
        for (const p of payouts) expected.set(p.account, (expected.get(p.account) ?? 0n) + p.amount);
        const nonZero = [...expected].filter(([, v]) => v > 0n);
        expect(tree.entries.length).toBe(nonZero.length);
        expect(tree.total).toBe(nonZero.reduce((s, [, v]) => s + v, 0n));
        for (const e of tree.entries) {
          expect(e.cumulative).toBe(expected.get(e.account));
          expect(e.leaf).toBe(rewardLeaf(e.account, e.cumulative));
          expect(verifyProof(tree.root!, e.leaf, e.proof)).toBe(true);
        }
        expect(tree.root === null).toBe(nonZero.length === 0);
        // The dump round-trips and feeds the next epoch.
        const parsed = parseCumulativeRewardTree(serializeCumulativeRewardTree(tree));
        expect(parsed).toEqual(tree);
        expect(cumulativeAmounts(parsed)).toEqual(new Map(tree.entries.map((e) => [e.account, e.cumulative])));
      }),
      { numRuns: 100 },
    );
  });

  it("keeps an account that earned nothing this epoch with its old cumulative amount", () => {
    const tree = buildCumulativeRewardTree({
      epoch: 2n,
      payouts: [{ account: addr(1), amount: 5n }],
      previousCumulative: new Map([[addr(2), 40n]]),
    });
    expect(tree.entries.map((e) => [e.account, e.previous, e.payout, e.cumulative])).toEqual([
      [addr(1), 0n, 5n, 5n],
      [addr(2), 40n, 0n, 40n],
    ]);
  });

  it("rejects duplicate accounts and dumps whose root or leaves were tampered with", () => {
    expect(() =>
      buildCumulativeRewardTree({
        epoch: 1n,
        payouts: [
          { account: addr(1), amount: 1n },
          { account: addr(1).toLowerCase() as Address, amount: 2n },
        ],
        previousCumulative: new Map(),
      }),
    ).toThrow(RewardTreeError);
    const tree = buildCumulativeRewardTree({
      epoch: 1n,
      payouts: [
        { account: addr(1), amount: 10n },
        { account: addr(2), amount: 20n },
      ],
      previousCumulative: new Map(),
    });
    const json = serializeCumulativeRewardTree(tree);
    expect(() => parseCumulativeRewardTree(json.replace('"cumulative": "10"', '"cumulative": "11"'))).toThrow(
      /does not add up/,
    );
    const dropped = JSON.parse(json) as { accounts: unknown[]; total: string };
    dropped.accounts.pop();
    dropped.total = "10";
    expect(() => parseCumulativeRewardTree(JSON.stringify(dropped))).toThrow(/does not match its entries/);
    expect(() => parseCumulativeRewardTree("{")).toThrow(/not valid JSON/);
  });

  it("has the documented dump shape", () => {
    const tree = buildCumulativeRewardTree({
      epoch: 4n,
      payouts: [{ account: addr(7), amount: 9n }],
      previousCumulative: new Map(),
    });
    const file = JSON.parse(serializeCumulativeRewardTree(tree)) as Record<string, unknown>;
    expect(file).toEqual({
      version: 1,
      epoch: "4",
      root: tree.root,
      total: "9",
      accounts: [{ account: addr(7), previous: "0", payout: "9", cumulative: "9", leaf: tree.root, proof: [] }],
    });
    expect(buildCumulativeRewardTree({ epoch: 4n, payouts: [], previousCumulative: new Map() }).root).toBeNull();
  });
});
