import { spawn } from "node:child_process";
import path from "node:path";
import type { RewardsEpochChildReport } from "../rewards-epoch-child";
import { epochOnDisk } from "../fixtures/epoch-on-disk";
import type { SyntheticEpochShape } from "../fixtures/synthetic-epoch";
import { round } from "../lib/stats";
import { type Bench, BenchError, type BenchContext } from "../lib/types";
import { BENCH_DOMAIN } from "./protocol-hashing";
import { BENCH_SIGNER_KEY } from "./signing";

const SHAPES: Record<BenchContext["mode"], SyntheticEpochShape> = {
  // Small enough for two fresh processes within quick mode's 100 s on a busy CI machine.
  quick: {
    receipts: 5_000,
    users: 1_000,
    models: 50,
    communities: 10,
    datasets: 30,
    stakers: 200,
    historyRecords: 1_000,
  },
  full: {
    receipts: 1_000_000,
    users: 100_000,
    models: 500,
    communities: 50,
    datasets: 200,
    stakers: 2_000,
    historyRecords: 50_000,
  },
};

/** Issue 13's measurement of the code before sampled verification and persisted retention, per 1M receipts. */
const TODAY_SECONDS_PER_MILLION = 2_500;

/** Runs one epoch in a fresh Node process and returns its report. */
function runChild(
  factsFile: string,
  mode: "sampled" | "full",
  log: BenchContext["log"],
): Promise<RewardsEpochChildReport> {
  const child = spawn(
    process.execPath,
    // esbuild loads the TypeScript (scripts/esbuild-register.js): ts-node's compiler cost seconds of
    // this process's start and of each worker thread's, which the compiled CLI never pays.
    [
      "-r",
      path.join(__dirname, "..", "..", "scripts", "esbuild-register.js"),
      path.join(__dirname, "..", "rewards-epoch-child.ts"),
      factsFile,
      mode,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  log(`epoch in a fresh process, ${mode} verification`);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) reject(new BenchError(`the ${mode} epoch process exited with ${code}: ${stderr.trim()}`));
      else resolve(JSON.parse(stdout.trim()) as RewardsEpochChildReport);
    });
  });
}

export const rewardsEpochBench: Bench = {
  name: "rewards-epoch",
  description:
    "one reward epoch end to end from batch files and chain facts on disk, in a fresh process: sampled verification vs the full reference",
  async run({ mode, log }) {
    const shape = SHAPES[mode];
    const factsFile = await epochOnDisk(shape, { domain: BENCH_DOMAIN, relayerKey: BENCH_SIGNER_KEY, log });
    const sampled = await runChild(factsFile, "sampled", log);
    const full = await runChild(factsFile, "full", log);
    if (sampled.root !== full.root || sampled.payoutsHash !== full.payoutsHash) {
      throw new BenchError(`sampled and full verification disagree: roots ${sampled.root} and ${full.root}`);
    }
    if (sampled.accepted !== shape.receipts || sampled.dropped !== 0) {
      throw new BenchError(`${sampled.dropped} of ${shape.receipts} honest receipts were dropped`);
    }
    const millions = shape.receipts / 1_000_000;
    const row = (label: string, r: RewardsEpochChildReport, notes: string) => [
      label,
      shape.receipts,
      round(r.ms / 1000, 2),
      round(r.ms / 1000 / millions, 1),
      r.peakRssMiB,
      notes,
    ];
    return {
      tables: [
        {
          title: `Epoch of ${shape.receipts.toLocaleString("en-US")} receipts in ${shape.receipts / 10_000 > 1 ? Math.ceil(shape.receipts / 10_000) : 1} batch file(s), ${shape.users.toLocaleString("en-US")} users, ${shape.models} models; a fresh process each`,
          columns: ["path", "receipts", "time s", "s per 1M", "peak RSS MiB", "notes"],
          rows: [
            row(
              "sampled verification, retention from activity.json (the pipeline's default)",
              sampled,
              `root ${sampled.root}; batches ${JSON.stringify(sampled.verified)}`,
            ),
            row(
              "full verification (every hash and signature, libsecp256k1): the dispute check",
              full,
              "same root and payouts",
            ),
            [
              "before this change: viem recovery of every signature, 5 earlier epochs re-collected",
              1_000_000,
              "—",
              TODAY_SECONDS_PER_MILLION,
              "—",
              "issue 13's measurement (not rerun: ~40 minutes)",
            ],
          ],
        },
      ],
      data: { shape, sampled, full, todaySecondsPerMillion: TODAY_SECONDS_PER_MILLION },
      notes: [
        "Time runs from the child process's start (Node and module loading included) to the cumulative tree built.",
        "The fixture (signed batch files, facts.json, five activity.json files) is built once per shape in the OS temp directory.",
      ],
      targets: [
        {
          id: "rewards-epoch-seconds",
          description: `one epoch of ${shape.receipts.toLocaleString("en-US")} receipts end to end from a fresh process, sampled verification`,
          measured: round(sampled.ms / 1000, 2),
          limit: 20,
          comparison: "<=",
          unit: "s",
        },
        {
          id: "rewards-epoch-peak-rss",
          description: `peak RSS of that process`,
          measured: sampled.peakRssMiB,
          limit: 1536,
          comparison: "<=",
          unit: "MiB",
        },
      ],
    };
  },
};
