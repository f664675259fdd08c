import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Command } from "commander";
import type { Hex } from "viem";
import { TOKEN_SYMBOL } from "../../protocol/token-units";
import { z } from "zod";
import { type KhoClient, acceptRewardRoot, claimRewards, getRewardStatus, publishEpoch } from "../../sdk";
import { parseCumulativeRewardTree } from "../../protocol/cumulative-tree";
import {
  EPOCH_OUTPUT_FILES,
  type EpochComputation,
  type ContributorIncomeEntry,
  type RewardParamsInput,
  contributorIncome,
  createRewardsPipeline,
  verifyEpoch,
  writeEpochOutput,
} from "../../rewards";
import { parseAddress } from "../args";
import type { CliContext } from "../context";
import { mirrorObjectLocation } from "../../protocol/mirror";
import { type MirrorOptions, addMirrorOption, mirrorsOf, storeOnMirrors } from "../mirrors";
import { CliError } from "../errors";
import { renderRecord, renderTable } from "../../render/output";
import { formatTokenAmount, parseTokenAmount } from "../units";

type PipelineOptions = MirrorOptions & {
  params?: string;
  threads?: string;
  skipUnavailable?: boolean;
  fromGenesis?: boolean;
  verifyAll?: boolean;
  retentionDir?: string;
  /** `compute`'s output directory: where its earlier epochs' activity.json files are. */
  out?: string;
};

function parseEpoch(text: string): bigint {
  if (!/^(0|[1-9][0-9]*)$/.test(text.trim()) || BigInt(text.trim()) >= 2n ** 64n) {
    throw new CliError(`epoch "${text}" is not a non-negative integer`);
  }
  return BigInt(text.trim());
}

function parseThreads(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9][0-9]{0,2}$/.test(text.trim())) throw new CliError(`--threads "${text}" is not a positive integer`);
  return Number(text.trim());
}

/** Formula parameters: `--params` JSON (docs/rewards.md), defaults otherwise. */
function rewardParams(ctx: CliContext, options: PipelineOptions): RewardParamsInput {
  let fromFile: Record<string, unknown> = {};
  if (options.params !== undefined) {
    const file = path.resolve(ctx.cwd, options.params);
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not a JSON object");
      fromFile = parsed as Record<string, unknown>;
    } catch (cause) {
      throw new CliError(
        `cannot use reward parameters file ${file}: ${cause instanceof Error ? cause.message : String(cause)}`,
        {
          cause,
        },
      );
    }
  }
  // The core validates every key and value (resolveRewardParams) and names the first bad one.
  return fromFile as RewardParamsInput;
}

async function withPipeline<T>(
  ctx: CliContext,
  options: PipelineOptions,
  run: (pipeline: ReturnType<typeof createRewardsPipeline>, client: KhoClient) => Promise<T>,
): Promise<T> {
  const client = await ctx.readClient();
  const pipeline = createRewardsPipeline({
    client,
    params: rewardParams(ctx, options),
    threads: parseThreads(options.threads),
    skipUnavailableBatches: options.skipUnavailable === true,
    trustAcceptedRoots: options.fromGenesis !== true,
    mirrors: mirrorsOf(ctx, options),
    onSourceFailed: (message) => ctx.progress(message),
    verification: options.verifyAll === true ? "full" : "sampled",
    activityDir: path.resolve(ctx.cwd, options.retentionDir ?? options.out ?? "epochs"),
    onProgress: (message) => ctx.progress(message),
  });
  try {
    return await run(pipeline, client);
  } finally {
    await pipeline.close();
  }
}

function addPipelineOptions(command: Command): Command {
  return addMirrorOption(
    command,
    "a mirror to read batch files, accepted trees and cited dataset version files (named by content hash) from before their URIs",
  )
    .option("--params <file>", "reward formula parameters (JSON; docs/rewards.md); defaults otherwise")
    .option(
      "--threads <n>",
      "worker threads for signature recovery, and as many for batch-file checks (default: the machine's cores)",
    )
    .option("--skip-unavailable", "count unreachable batch files as dropped instead of failing")
    .option("--from-genesis", "recompute every earlier epoch instead of starting from the last accepted root")
    .option(
      "--verify-all",
      "check every receipt's hash and signature, not a seeded sample per batch (the dispute check; docs/rewards.md)",
    )
    .option(
      "--retention-dir <dir>",
      "earlier epochs' outputs: retention history is read from <dir>/<epoch>/activity.json where present (default: --out, else epochs)",
    );
}

/** Amounts in JSON output are token units (`"12.5"`), like everywhere a person reads them. */
const tokens = (amount: bigint) => formatTokenAmount(amount);

function computationJson(c: EpochComputation, dir?: string) {
  const b = c.summary.budget;
  return {
    epoch: c.tree.epoch,
    root: c.tree.root,
    unit: TOKEN_SYMBOL,
    totalCumulative: tokens(c.tree.total),
    budget: {
      ...b,
      fundedThrough: tokens(b.fundedThrough),
      previousTotal: tokens(b.previousTotal),
      fromChain: tokens(b.fromChain),
      budget: tokens(b.budget),
      toFund: tokens(b.toFund),
    },
    paid: tokens(c.result.totals.paid),
    unallocated: tokens(c.result.unallocated),
    accounts: c.result.accounts.map((a) => ({
      account: a.account,
      amount: tokens(a.amount),
      byRole: Object.fromEntries(Object.entries(a.byRole).map(([role, v]) => [role, tokens(v)])),
    })),
    receipts: c.summary.counts.receipts,
    drops: c.summary.counts.drops,
    dropSamples: c.summary.dropSamples,
    batches: c.summary.counts.batches,
    previous: c.summary.previous,
    ...(dir === undefined ? {} : { dir }),
  };
}

function dropsLine(c: EpochComputation): string {
  const drops = Object.entries(c.summary.counts.drops).filter(([, n]) => n > 0);
  return drops.length === 0 ? "none" : drops.map(([reason, n]) => `${reason} ${n}`).join(", ");
}

/** Every drop reason with its count and samples, one line each, for people. */
function dropsReport(c: EpochComputation): string {
  const lines: string[] = [];
  for (const [reason, count] of Object.entries(c.summary.counts.drops)) {
    if (count === 0) continue;
    lines.push(`  ${reason}: ${count} receipt(s)`);
    for (const d of c.summary.dropSamples.filter((x) => x.reason === reason)) {
      const receipt =
        d.requestId === null ? "whole batch" : `request ${d.requestId} dated ${d.receiptTimestamp} (unix s)`;
      lines.push(`    relayer ${d.relayer} batch #${d.batchId} (block time ${d.batchTimestamp}): ${receipt}`);
    }
  }
  return lines.join("\n");
}

const inputsBudgetSchema = z.object({
  epoch: z.string(),
  budget: z.object({ budget: z.string().regex(/^[0-9]+$/), previousTotal: z.string().regex(/^[0-9]+$/) }),
});

/** `kho rewards …`: compute, verify, publish, accept, claim and show epoch rewards. */
export function registerRewardsCommand(program: Command, ctx: CliContext): void {
  const group = program
    .command("rewards")
    .description("epoch rewards: compute from public data, verify, publish and claim");

  addPipelineOptions(
    group
      .command("compute")
      .description("compute an epoch's payouts and cumulative tree from chain events and batch files")
      .requiredOption("--epoch <n>", "the epoch to compute (must be final)")
      .option(
        "--budget <amount>",
        "new token amount for the epoch when none is funded yet (what earlier epochs carried is added)",
      )
      .option("--out <dir>", "output directory; files go to <dir>/<epoch>/", "epochs")
      .option(
        "--accept-drops",
        "write the epoch even though receipts committed on chain were dropped (they are listed in report.md)",
      ),
  ).action(
    async (options: PipelineOptions & { epoch: string; budget?: string; out: string; acceptDrops?: boolean }) => {
      const epoch = parseEpoch(options.epoch);
      const budget = options.budget === undefined ? undefined : parseTokenAmount(options.budget);
      const computation = await withPipeline(ctx, options, (pipeline) => pipeline.computeEpoch({ epoch, budget }));
      const dropped = computation.summary.counts.receipts.dropped;
      if (dropped > 0 && options.acceptDrops !== true) {
        // Nothing is written: an epoch that does not count committed usage is published only on purpose.
        if (ctx.output().json) ctx.print(() => "", computationJson(computation));
        else ctx.progress(`dropped receipts of epoch ${epoch}:\n${dropsReport(computation)}`);
        throw new CliError(
          `${dropped} of ${computation.summary.counts.receipts.committed} receipts committed on chain for epoch ${epoch} were dropped (${dropsLine(computation)}); fix the cause or pass --accept-drops to publish without them`,
        );
      }
      const { dir } = await writeEpochOutput({ outDir: path.resolve(ctx.cwd, options.out), computation });
      const { tree, result, summary } = computation;
      ctx.print(
        () =>
          [
            renderRecord({
              epoch,
              root: tree.root ?? "none (no account has a reward)",
              "total cumulative": `${formatTokenAmount(tree.total)} KHO`,
              budget: `${formatTokenAmount(summary.budget.budget)} KHO (${summary.budget.source})`,
              "to fund": `${formatTokenAmount(summary.budget.toFund)} KHO`,
              unallocated: `${formatTokenAmount(result.unallocated)} KHO`,
              receipts: `${summary.counts.receipts.accepted} accepted of ${summary.counts.receipts.committed} committed`,
              dropped: dropsLine(computation),
              output: dir,
            }),
            ...(dropped > 0 ? ["", `Accepted drops:\n${dropsReport(computation)}`] : []),
            "",
            renderTable(
              result.accounts.map((a) => ({
                account: a.account,
                amount: formatTokenAmount(a.amount),
                builder: formatTokenAmount(a.byRole.builder),
                operator: formatTokenAmount(a.byRole.operator),
                staker: formatTokenAmount(a.byRole.staker),
              })),
            ),
          ].join("\n"),
        computationJson(computation, dir),
      );
    },
  );

  addPipelineOptions(
    group
      .command("verify")
      .description("recompute an epoch from public data and compare it with the root on chain (exit 1 when different)")
      .requiredOption("--epoch <n>", "the epoch to verify"),
  ).action(async (options: PipelineOptions & { epoch: string }) => {
    const epoch = parseEpoch(options.epoch);
    const verdict = await withPipeline(ctx, options, (pipeline, client) => verifyEpoch({ pipeline, client, epoch }));
    const json = {
      epoch,
      equal: verdict.equal,
      status: verdict.status,
      computedRoot: verdict.computedRoot,
      onChainRoot: verdict.onChainRoot,
      unit: TOKEN_SYMBOL,
      computedTotal: formatTokenAmount(verdict.computedTotal),
      onChainTotal: verdict.onChainTotal === null ? null : formatTokenAmount(verdict.onChainTotal),
      reason: verdict.reason,
    };
    if (verdict.equal) {
      ctx.print(() => `equal: ${verdict.reason}`, json);
      return;
    }
    if (ctx.output().json) ctx.print(() => "", json);
    throw new CliError(`not equal: ${verdict.reason}`);
  });

  addMirrorOption(
    group
      .command("publish")
      .description("fund what the epoch's budget still lacks and propose its root (poster role)")
      .requiredOption("--epoch <n>", "the computed epoch to publish")
      .option("--out <dir>", "where `rewards compute` wrote the epoch", "epochs")
      .option(
        "--data-uri <uri>",
        "where others can fetch tree.json (default: the first HTTP mirror's copy, else its file:// URL)",
      ),
    "a mirror to store tree.json on, named by its root, before the root is proposed",
  ).action(async (options: MirrorOptions & { epoch: string; out: string; dataUri?: string }) => {
    const epoch = parseEpoch(options.epoch);
    const dir = path.resolve(ctx.cwd, options.out, epoch.toString());
    const treeFile = path.join(dir, EPOCH_OUTPUT_FILES.tree);
    const inputsFile = path.join(dir, EPOCH_OUTPUT_FILES.inputs);
    if (!existsSync(treeFile) || !existsSync(inputsFile)) {
      throw new CliError(
        `epoch ${epoch} is not computed in ${dir}: run \`kho rewards compute --epoch ${epoch}\` first`,
      );
    }
    let tree;
    let inputs;
    try {
      tree = parseCumulativeRewardTree(await readFile(treeFile, "utf8"));
      inputs = inputsBudgetSchema.parse(JSON.parse(await readFile(inputsFile, "utf8")));
    } catch (cause) {
      throw new CliError(
        `the files in ${dir} are not a valid computed epoch: ${cause instanceof Error ? cause.message : String(cause)}`,
        {
          cause,
        },
      );
    }
    if (tree.epoch !== epoch || inputs.epoch !== epoch.toString())
      throw new CliError(`the files in ${dir} are not for epoch ${epoch}`);
    const mirrors = mirrorsOf(ctx, options);
    const root = tree.root;
    // The key and deployment are checked first: a command that cannot publish stores nothing.
    const client = await ctx.writeClient();
    // Before anything is sent: a root whose tree holders cannot fetch must not be proposed.
    if (root !== null)
      await storeOnMirrors(ctx, mirrors, { name: root, bytes: await readFile(treeFile), what: "tree.json" });
    const httpMirror = mirrors.find((m) => m.kind === "http");
    const published = await publishEpoch(client, {
      tree,
      budget: BigInt(inputs.budget.budget),
      previousTotal: BigInt(inputs.budget.previousTotal),
      dataURI:
        options.dataUri ??
        (httpMirror !== undefined && root !== null
          ? mirrorObjectLocation(httpMirror, root)
          : pathToFileURL(treeFile).href),
      onStep: (message) => ctx.progress(message),
    });
    ctx.print(
      () =>
        `Proposed root ${published.root} for epoch ${epoch} (total ${formatTokenAmount(published.totalCumulative)} KHO, funded ${formatTokenAmount(published.funded)} KHO now); acceptable from ${new Date(Number(published.validAt) * 1000).toISOString()}.`,
      published,
    );
  });

  group
    .command("accept")
    .description("accept the pending root once its timelock has passed (anyone)")
    .action(async () => {
      const client = await ctx.writeClient();
      const accepted = await acceptRewardRoot(client);
      ctx.print(() => `Accepted root ${accepted.root} for epoch ${accepted.epoch} in ${accepted.hash}.`, accepted);
    });

  addMirrorOption(
    group
      .command("claim")
      .description(
        "claim an account's cumulative rewards with its proof from the accepted tree (anyone may claim for anyone)",
      )
      .option("--account <address>", "who is paid (default: the key's address)"),
    "a mirror to read the accepted tree from before its data URI",
  ).action(async (options: MirrorOptions & { account?: string }) => {
    const mirrors = mirrorsOf(ctx, options);
    const client = await ctx.writeClient();
    const account = options.account === undefined ? client.account!.address : parseAddress(options.account, "account");
    const claimed = await claimRewards(client, {
      account,
      mirrors,
      onSourceFailed: (message) => ctx.progress(message),
    });
    ctx.print(
      () =>
        `Paid ${formatTokenAmount(claimed.amount)} KHO to ${claimed.account} (cumulative ${formatTokenAmount(claimed.cumulative)} KHO) in ${claimed.hash}.`,
      { ...claimed, amount: tokens(claimed.amount), cumulative: tokens(claimed.cumulative) },
    );
  });

  addMirrorOption(
    group
      .command("show")
      .description("claimable and claimed rewards of an account and its amount in every accepted root")
      .option("--account <address>", "the account (default: the key's address)")
      .option(
        "--payouts <payouts.json...>",
        "epoch payouts files (from kho rewards compute): also list the account's contributor income by entry",
      ),
    "a mirror to read accepted trees from before their data URIs",
  ).action(async (options: MirrorOptions & { account?: string; payouts?: string[] }) => {
    const mirrors = mirrorsOf(ctx, options);
    const client = await ctx.readClient();
    const account = options.account !== undefined ? parseAddress(options.account, "account") : client.account?.address;
    if (account === undefined) throw new CliError("give --account, or a key with --private-key or KHO_PRIVATE_KEY");
    const income: ContributorIncomeEntry[] = [];
    for (const file of options.payouts ?? []) {
      const resolved = path.resolve(ctx.cwd, file);
      let json: unknown;
      try {
        json = JSON.parse(await readFile(resolved, "utf8"));
      } catch (cause) {
        throw new CliError(`cannot read payouts file ${resolved}: ${(cause as Error).message}`, { cause });
      }
      income.push(...contributorIncome(json, account, resolved));
    }
    const status = await getRewardStatus(client, {
      account,
      mirrors,
      onSourceFailed: (message) => ctx.progress(message),
    });
    const amount = (v: bigint | null) => (v === null ? "unknown" : formatTokenAmount(v));
    ctx.print(
      () =>
        [
          renderRecord({
            account: status.account,
            claimable: `${formatTokenAmount(status.claimable)} KHO`,
            claimed: `${formatTokenAmount(status.claimed)} KHO`,
            cumulative: `${formatTokenAmount(status.cumulative)} KHO`,
            "accepted epoch": status.acceptedEpoch ?? "none",
          }),
          "",
          renderTable(
            status.history.map((h) => ({
              epoch: h.epoch,
              root: h.root as Hex,
              earned: amount(h.earned),
              cumulative: amount(h.cumulative),
            })),
          ),
          ...(options.payouts === undefined
            ? []
            : [
                "",
                "Contributor income by entry:",
                income.length === 0
                  ? "(none)"
                  : renderTable(
                      income.map((e) => ({
                        epoch: e.epoch,
                        dataset: e.datasetId,
                        entry: e.entryId,
                        model: e.modelId,
                        earned: `${formatTokenAmount(e.amount)} ${TOKEN_SYMBOL}`,
                      })),
                    ),
              ]),
        ].join("\n"),
      {
        ...status,
        claimable: tokens(status.claimable),
        claimed: tokens(status.claimed),
        cumulative: tokens(status.cumulative),
        history: status.history.map((h) => ({
          ...h,
          earned: h.earned === null ? null : tokens(h.earned),
          cumulative: h.cumulative === null ? null : tokens(h.cumulative),
        })),
        ...(options.payouts === undefined
          ? {}
          : { contributorIncome: income.map((e) => ({ ...e, amount: tokens(e.amount) })) }),
      },
    );
  });
}
