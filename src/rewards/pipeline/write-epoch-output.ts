import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { serializeCumulativeRewardTree } from "../../protocol/cumulative-tree";
import { renderRewardsReport, serializeEpochRewards } from "../core";
import { prettyCanonicalJson } from "../../protocol/pretty-canonical-json";
import type { EpochComputation } from "./rewards-pipeline";

export const EPOCH_OUTPUT_FILES = {
  tree: "tree.json",
  payouts: "payouts.json",
  report: "report.md",
  inputs: "inputs.json",
} as const;

export type WriteEpochOutputParameters = {
  /** Parent directory, e.g. `epochs`; files go to `<outDir>/<epoch>/`. */
  outDir: string;
  computation: EpochComputation;
  decimals?: number;
  symbol?: string;
};
export type WriteEpochOutputReturnType = { dir: string; files: Record<keyof typeof EPOCH_OUTPUT_FILES, string> };

/** The epoch's bytes: same inputs, same files (canonical JSON, no run time or host in them). */
export function renderEpochOutput(computation: EpochComputation, options: { decimals?: number; symbol?: string } = {}) {
  const { result, tree, summary } = computation;
  return {
    tree: serializeCumulativeRewardTree(tree),
    payouts: serializeEpochRewards(result),
    report: renderRewardsReport(result, { tree, decimals: options.decimals, symbol: options.symbol }),
    inputs: prettyCanonicalJson(summary),
  };
}

/** Writes tree.json (root, leaves, proofs), payouts.json, report.md and inputs.json for one epoch. */
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
