import { formatUnits } from "viem";
import type { CumulativeRewardTree } from "../../protocol/cumulative-tree";
import type { AccountReward, CarryReason, EpochRewardsResult } from "./types";

export type RenderRewardsReportOptions = {
  /** Token decimals for human-readable amounts (default 18). */
  decimals?: number;
  /** Token symbol shown after amounts (default "KHO"). */
  symbol?: string;
  /** When given, the report names the cumulative root and each account's new cumulative. */
  tree?: CumulativeRewardTree;
};

const CARRY_WHY: Record<CarryReason, string> = {
  noEligibleUsage: "no usage anyone is paid for",
  nonMemberFeeBound: "non-member usage held at its paid bound, with no member usage to share the rest",
  modelsWithoutDatasets: "staker share of models that link no dataset",
  unstakedDatasets: "staker share of datasets without effective stake",
  uncoveredStakeTime: "staker share for the part of the epoch no effective stake covered",
  rounding: "rounding remainder",
};

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
          `model ${b.modelId}: member score ${score(b.memberScore)}, non-member score ${score(b.nonMemberScore)}, ${count(b.calls, "call")}, ${count(b.distinctUsers, "user")} (${b.returningUsers} returning)`,
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
  if (account.contributor.length > 0) {
    add(
      "contributor",
      account.byRole.contributor,
      account.contributor.map(
        (c) =>
          `entry ${c.entryId} of dataset ${c.datasetId}: cited in answers to ${count(c.users, "user")} of model ${c.modelId} (usage score ${score(c.usageScore)})`,
      ),
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
        ["To builders", amount(result.pools.builders)],
        ["To operators", amount(result.pools.operators)],
        ["To stakers (before stake coverage)", amount(result.pools.stakers)],
        ["Paid", amount(result.totals.paid)],
        ["Carried into the next epoch", amount(result.unallocated)],
        ...(Object.keys(CARRY_WHY) as CarryReason[])
          .filter((reason) => result.carry[reason] > 0n)
          .map((reason) => [`  of which: ${CARRY_WHY[reason]}`, amount(result.carry[reason])]),
      ],
    ),
    "",
  );
  out.push(
    "How this epoch was computed (formula v2, docs/rewards.md): each identity scores one point per active day " +
      `on a model plus points for earlier epochs it used it; a one-off visitor counts ${result.params.oneOffBps / 100}% of a day. ` +
      `One identity has one budget of ${score(result.identityCap)} across all models. Members count only in recognized ` +
      "communities for admitted models; non-member identities are clustered by payer and counted sublinearly, and what " +
      `their usage earns is capped at ${result.params.paidRewardCapBps / 100}% of the protocol fees it paid ` +
      `(protocol fee share ${result.protocolFeeBps / 100}%). Builders' and operators' own usage counts zero. ` +
      "Stake counts by effective stake × time. Nothing unearned goes to anyone: it is carried.",
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
            "Members (counted?)",
            "Non-members (payers)",
            "Self calls",
            "Member score",
            "Non-member score",
            "Non-member fees (cap)",
            "Reward",
            "Builder payout",
          ],
          result.models.map((m) => [
            `${m.modelId}`,
            m.builder,
            `${m.deployments} (${m.deploymentStats.length})`,
            `${m.calls}`,
            `${m.distinctUsers}`,
            `${m.returningUsers}`,
            `${m.memberUsers} (${m.admitted && m.communityRecognized ? "yes" : m.admitted ? "no: community not recognized" : "no: model not admitted"})`,
            `${m.nonMemberUsers} (${m.nonMemberPayers})`,
            `${m.selfCalls}`,
            score(m.memberScore),
            m.pricePerCall === 0n && m.nonMemberUsers > 0 ? "0 (free model)" : score(m.nonMemberScore),
            `${m.nonMemberFees} (${m.nonMemberRewardCap}${m.nonMemberCapped ? ", bound" : ""})`,
            `${m.reward}`,
            `${m.builderPayout}`,
          ]),
        )
      : "No model was used.",
    "",
  );

  if (result.entries.length > 0) {
    out.push("## Contributors by entry", "");
    out.push(
      `The contributor pool takes ${result.params.contributorShareBps / 100}% of the reward that answers built on ` +
        "credited entries earned (the contributor's own use counts zero) and pays each entry by the usage that cited it.",
      "",
      table(
        ["Dataset", "Entry", "Contributor", "Cited by models", "Usage score", "Paid"],
        result.entries.map((e) => [
          `${e.datasetId}`,
          e.entryId,
          e.contributor,
          e.modelIds.join(", "),
          score(e.usageScore),
          amount(e.amount),
        ]),
      ),
      "",
    );
  }

  out.push("## Datasets", "");
  out.push(
    result.datasets.length > 0
      ? table(
          ["Dataset", "Linked models", "Share", "Paid to stakers", "Unpaid (carried)", "Stakers", "Covered seconds"],
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
