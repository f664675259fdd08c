import { formatUnits } from "viem";
import type { CumulativeRewardTree } from "../../protocol/cumulative-tree";
import type { AccountReward, EpochRewardsResult } from "./types";

export type RenderRewardsReportOptions = {
  /** Token decimals for human-readable amounts (default 18). */
  decimals?: number;
  /** Token symbol shown after amounts (default "KHO"). */
  symbol?: string;
  /** When given, the report names the cumulative root and each account's new cumulative. */
  tree?: CumulativeRewardTree;
};

const DUST_WHY = {
  rounding: "rounding remainder",
  modelsWithoutDatasets: "staker share of models that link no dataset",
  unstakedDatasets: "staker share of datasets nobody staked",
  uncoveredStakeTime: "staker share for the part of the epoch no stake covered",
} as const;

function score(value: bigint): string {
  const [whole, fraction = ""] = formatUnits(value, 18).split(".");
  return `${whole}.${fraction.padEnd(3, "0").slice(0, 3)}`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function roleRows(account: AccountReward, amount: (v: bigint) => string): string[][] {
  const rows: string[][] = [];
  const add = (role: string, value: bigint, why: string[]) =>
    rows.push([account.account, role, amount(value), why.join("; ")]);
  if (account.builder.length > 0) {
    add(
      "builder",
      account.byRole.builder,
      account.builder.map(
        (b) =>
          `model ${b.modelId}: score ${score(b.score)}, ${count(b.calls, "call")}, ${count(b.distinctUsers, "user")} (${b.returningUsers} returning)`,
      ),
    );
  }
  if (account.operator.length > 0) {
    add(
      "operator",
      account.byRole.operator,
      account.operator.map(
        (o) =>
          `deployment ${o.deploymentId} of model ${o.modelId}: served ${count(o.callsServed, "call")} to ${count(o.usersServed, "user")} (score ${score(o.servedScore)})`,
      ),
    );
  }
  if (account.staker.length > 0) {
    add(
      "staker",
      account.byRole.staker,
      account.staker.map(
        (s) => `dataset ${s.datasetId}: stake × seconds ${s.stakeTime}, stake ${s.stakeAtStart} → ${s.stakeAtEnd}`,
      ),
    );
  }
  if (account.dust.length > 0) {
    add(
      "dust",
      account.byRole.dust,
      account.dust.map((d) => `${DUST_WHY[d.reason]} (${d.amount})`),
    );
  }
  return rows;
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** Markdown report of an epoch: who is paid, in which role, how much, and why. Pure. */
export function renderRewardsReport(result: EpochRewardsResult, options: RenderRewardsReportOptions = {}): string {
  const decimals = options.decimals ?? 18;
  const symbol = options.symbol ?? "KHO";
  const amount = (v: bigint) => `${formatUnits(v, decimals)} ${symbol} (${v} wei)`;
  const out: string[] = [];
  out.push(`# Kho rewards, epoch ${result.epoch}`, "");
  out.push(`Window: [${result.epochStart}, ${result.epochEnd}) unix seconds.`, "");
  out.push(
    table(
      ["Item", "Amount"],
      [
        ["Budget", amount(result.budget)],
        ["Builders' pool", amount(result.pools.builders)],
        ["Operators' pool", amount(result.pools.operators)],
        ["Stakers' pool", amount(result.pools.stakers)],
        ["Paid", amount(result.totals.paid)],
        [`Dust (to ${result.params.dustRecipient})`, amount(result.dust.total)],
        ["Unallocated (carried)", amount(result.unallocated)],
      ],
    ),
    "",
  );
  out.push(
    `${result.totals.receipts} receipts (${result.totals.eligibleReceipts} eligible), ` +
      `${result.totals.distinctUsers} distinct users, total usage score ${score(result.totals.score)}.`,
    "",
  );
  if (result.totals.score === 0n)
    out.push("No eligible usage this epoch: nothing is paid and the whole budget is carried.", "");

  out.push("## Payouts", "");
  const rows = result.accounts.flatMap((a) => roleRows(a, amount));
  out.push(rows.length > 0 ? table(["Account", "Role", "Amount", "Why"], rows) : "No payouts.", "");

  if (options.tree) {
    out.push("## Cumulative tree", "");
    out.push(
      `Root: \`${options.tree.root ?? "none (no account has a cumulative amount)"}\`, total ${amount(options.tree.total)}.`,
      "",
    );
    if (options.tree.entries.length > 0) {
      out.push(
        table(
          ["Account", "Previous", "This epoch", "Cumulative"],
          options.tree.entries.map((e) => [e.account, `${e.previous}`, `${e.payout}`, `${e.cumulative}`]),
        ),
        "",
      );
    }
  }

  out.push("## Models", "");
  out.push(
    result.models.length > 0
      ? table(
          [
            "Model",
            "Builder",
            "Deployments (serving)",
            "Calls",
            "Users",
            "Returning",
            "Self calls",
            "Score",
            "Builder payout",
          ],
          result.models.map((m) => [
            `${m.modelId}`,
            m.builder,
            `${m.deployments} (${m.deploymentStats.length})`,
            `${m.calls}`,
            `${m.distinctUsers}`,
            `${m.returningUsers}`,
            `${m.selfCalls}`,
            score(m.score),
            `${m.builderPayout}`,
          ]),
        )
      : "No model was used.",
    "",
  );

  out.push("## Datasets", "");
  out.push(
    result.datasets.length > 0
      ? table(
          ["Dataset", "Linked models", "Share", "Paid to stakers", "Unpaid (to dust)", "Stakers", "Covered seconds"],
          result.datasets.map((d) => [
            `${d.datasetId}`,
            d.linkedModels.join(", ") || "none",
            `${d.share}`,
            `${d.paidToStakers}`,
            `${d.unpaid}`,
            `${d.stakers}`,
            `${d.coveredSeconds}`,
          ]),
        )
      : "No dataset was linked or staked.",
    "",
  );
  return out.join("\n");
}
