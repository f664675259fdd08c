import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { serializeCumulativeRewardTree } from "../../protocol/cumulative-tree";
import { renderRewardsReport, serializeEpochRewards } from "../core";
import { prettyCanonicalJson } from "../../protocol/pretty-canonical-json";
import type { EpochComputation, EpochInputsSummary } from "./rewards-pipeline";
import { serializeEpochActivity } from "./retention-activity";

export const EPOCH_OUTPUT_FILES = {
  tree: "tree.json",
  payouts: "payouts.json",
  report: "report.md",
  inputs: "inputs.json",
  activity: "activity.json",
} as const;

export type WriteEpochOutputParameters = {
  /** Parent directory, e.g. `epochs`; files go to `<outDir>/<epoch>/`. */
  outDir: string;
  computation: EpochComputation;
  decimals?: number;
  symbol?: string;
};
export type WriteEpochOutputReturnType = { dir: string; files: Record<keyof typeof EPOCH_OUTPUT_FILES, string> };

/** report.md's account of every receipt committed on chain that the epoch does not count. */
function renderDropsSection(summary: EpochInputsSummary): string {
  const { committed, accepted, dropped } = summary.counts.receipts;
  const lines = ["", "## Dropped receipts", ""];
  if (dropped === 0) {
    lines.push(`All ${committed} receipts committed on chain for this epoch count (${accepted} accepted).`, "");
    return lines.join("\n");
  }
  lines.push(
    `${dropped} of ${committed} receipts committed on chain do not count; the poster accepted these drops.`,
    "",
    "| reason | receipts |",
    "| --- | ---: |",
  );
  for (const [reason, count] of Object.entries(summary.counts.drops))
    if (count > 0) lines.push(`| ${reason} | ${count} |`);
  lines.push(
    "",
    "Samples:",
    "",
    "| reason | relayer | batch | request | receipt time | batch block time |",
    "| --- | --- | ---: | --- | ---: | ---: |",
  );
  for (const d of summary.dropSamples) {
    lines.push(
      `| ${d.reason} | ${d.relayer} | ${d.batchId} | ${d.requestId ?? "whole batch"} | ${d.receiptTimestamp ?? ""} | ${d.batchTimestamp} |`,
    );
  }
  lines.push("");
  return lines.join("\n");
}

/** The epoch's bytes: same inputs, same files (canonical JSON, no run time or host in them). */
export function renderEpochOutput(computation: EpochComputation, options: { decimals?: number; symbol?: string } = {}) {
  const { result, tree, summary } = computation;
  return {
    tree: serializeCumulativeRewardTree(tree),
    payouts: serializeEpochRewards(result),
    report:
      renderRewardsReport(result, { tree, decimals: options.decimals, symbol: options.symbol }) +
      renderDropsSection(summary),
    inputs: prettyCanonicalJson(summary),
    activity: serializeEpochActivity(summary.epoch, computation.activity),
  };
}

/**
 * Writes tree.json (root, leaves, proofs), payouts.json, report.md, inputs.json and activity.json
 * (the retention input of later epochs; the pipeline's `activityDir` reads it back) for one epoch.
 */
export async function writeEpochOutput(parameters: WriteEpochOutputParameters): Promise<WriteEpochOutputReturnType> {
  const dir = path.resolve(parameters.outDir, parameters.computation.tree.epoch.toString());
  await mkdir(dir, { recursive: true });
  const contents = renderEpochOutput(parameters.computation, parameters);
  const files = {} as Record<keyof typeof EPOCH_OUTPUT_FILES, string>;
  for (const key of Object.keys(EPOCH_OUTPUT_FILES) as (keyof typeof EPOCH_OUTPUT_FILES)[]) {
    files[key] = path.join(dir, EPOCH_OUTPUT_FILES[key]);
    await writeFile(files[key], contents[key]);
  }
  return { dir, files };
}
