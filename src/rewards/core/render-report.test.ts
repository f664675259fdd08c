import { describe, expect, it } from "vitest";
import { addr, fullStake, input, model, receipt, recognized } from "./__fixtures__/epoch";
import { computeEpochRewards } from "./compute-epoch-rewards";
import { buildCumulativeRewardTree } from "../../protocol/cumulative-tree";
import { renderRewardsReport } from "./render-report";

describe("markdown report", () => {
  it("lists every account once per role with its amount and the reason", () => {
    const result = computeEpochRewards(
      input({
        budget: 10_000n,
        registry: [model(1n, addr(100), [[11n, addr(111)]], [1n, 2n])],
        communities: recognized([[1n, [addr(1)]]]),
        receipts: [
          receipt({ model: 1n, deployment: 11n, user: addr(1) }),
          receipt({ model: 1n, deployment: 11n, user: addr(1), day: 1 }),
        ],
        stakes: [fullStake(1n, addr(200), 100n * 10n ** 18n)],
      }),
    );
    const tree = buildCumulativeRewardTree({
      epoch: result.epoch,
      payouts: result.accounts,
      previousCumulative: new Map(),
    });
    const report = renderRewardsReport(result, { tree, decimals: 0, symbol: "wei" });
    expect(report).toContain("# Kho rewards, epoch 7");
    expect(report).toContain(
      `| ${addr(100)} | builder | 5000 wei (5000 wei) | model 1: member score 2.000, non-member score 0.000, 2 calls, 1 user (1 returning) |`,
    );
    expect(report).toContain(
      `| ${addr(111)} | operator | 2000 wei (2000 wei) | deployment 11 of model 1: served 2 calls to 1 user`,
    );
    expect(report).toContain(
      `| ${addr(200)} | staker | 1500 wei (1500 wei) | dataset 1: stake × seconds 60480000000000000000000000, stake 100000000000000000000 → 100000000000000000000 |`,
    );
    expect(report).toContain("| Carried into the next epoch | 1500 wei (1500 wei) |");
    expect(report).toContain("|   of which: staker share of datasets without effective stake | 1500 wei (1500 wei) |");
    expect(report).toContain("formula v2");
    expect(report).toContain("a one-off visitor counts 10% of a day");
    expect(report).toContain(`Root: \`${tree.root}\``);
  });

  it("says plainly when an epoch had no eligible usage", () => {
    const report = renderRewardsReport(computeEpochRewards(input({ budget: 5n })));
    expect(report).toContain("No eligible usage this epoch: nothing is paid and the whole budget is carried.");
    expect(report).toContain("No payouts.");
  });
});
