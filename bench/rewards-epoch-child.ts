/**
 * One reward epoch end to end in a fresh process, as `kho rewards compute` runs it after reading
 * the chain: batch files from disk, chain facts from facts.json, retention from the earlier
 * epochs' activity.json files. Prints one JSON line: time since process start, peak RSS, root.
 * Usage: node -r ./scripts/esbuild-register.js bench/rewards-epoch-child.ts <facts.json> <sampled|full>
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { keccak256 } from "viem";
import { resolveRewardParams, serializeEpochRewards } from "../src/rewards/core";
import { computeEpochFromHistory } from "../src/rewards/pipeline/epoch-from-history";
import { parseEpochActivity } from "../src/rewards/pipeline/retention-activity";
import { createBatchCheckPool } from "../src/rewards/pipeline/batch-check-pool";
import { createSignaturePool, defaultThreads } from "../src/rewards/pipeline/signature-pool";
import { readEpochFacts } from "./fixtures/epoch-on-disk";

export type RewardsEpochChildReport = {
  mode: "sampled" | "full";
  /** From process start (module loading included) to the tree built. */
  ms: number;
  peakRssMiB: number;
  root: string | null;
  payoutsHash: string;
  accounts: number;
  accepted: number;
  dropped: number;
  verified: Record<string, number>;
};

async function main(): Promise<void> {
  const [factsFile, mode] = process.argv.slice(2) as [string, "sampled" | "full"];
  const facts = await readEpochFacts(factsFile);
  const params = resolveRewardParams({});
  const lookback = [];
  for (let back = 1n; back <= BigInt(params.retentionMaxEpochs) && facts.epoch - back >= 0n; back++) {
    const epoch = facts.epoch - back;
    const text = await readFile(path.join(facts.epochsDir, epoch.toString(), "activity.json"), "utf8");
    lookback.push(parseEpochActivity(text, epoch));
  }
  const pool = createSignaturePool();
  const checker = createBatchCheckPool(defaultThreads());
  try {
    const computed = await computeEpochFromHistory({
      epoch: facts.epoch,
      window: facts.window,
      history: facts.history,
      domain: facts.domain,
      params,
      budget: facts.budget,
      previousCumulative: new Map(),
      lookback,
      pool,
      checker,
      verification: mode === "full" ? { mode: "full" } : { mode: "sampled", seed: facts.seed, perBatch: 32 },
      fetchBatch: (batch) => readFile(fileURLToPath(batch.dataURI)),
      fetchDatasetVersion: (version) => readFile(fileURLToPath(version.uri)),
    });
    const ms = performance.now();
    const verified: Record<string, number> = {};
    for (const b of computed.collected.batches) verified[b.verified] = (verified[b.verified] ?? 0) + 1;
    const report: RewardsEpochChildReport = {
      mode,
      ms,
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      root: computed.tree.root,
      payoutsHash: keccak256(new TextEncoder().encode(serializeEpochRewards(computed.result))),
      accounts: computed.result.accounts.length,
      accepted: computed.collected.accepted,
      dropped: Object.values(computed.collected.drops).reduce((a, b) => a + b, 0),
      verified,
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    await Promise.all([pool.close(), checker.close()]);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
