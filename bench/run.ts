/**
 * Kho benchmarks. `npm run bench` (full, ~10 minutes on 2 cores) writes bench/results/<name>.json
 * and every target with its measured figure to bench/results.json; `npm run bench:quick` (CI-sized,
 * < 2 minutes) writes under bench/results/quick/. Each bench runs in its own process and prints a
 * markdown table; any failed correctness check exits non-zero. `--check` also exits non-zero when a
 * target is missed (full runs only: quick sizes are too small to be held to the targets).
 *
 *   node -r ts-node/register/transpile-only bench/run.ts [--quick] [--check] [--only name,name]
 */
import { fork } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { BENCHES } from "./benches";
import { machineInfo } from "./lib/machine";
import { markdownTable } from "./lib/markdown";
import { nowMs, round } from "./lib/stats";
import { type Bench, type BenchMode, type BenchOutcome, type BenchTarget, BenchError } from "./lib/types";
import type { RunOneMessage } from "./run-one";

const USAGE =
  "Usage: bench/run.ts [--quick] [--check] [--only protocol-hashing,merkle-tree,signing,relayer-throughput,rewards-epoch]";
/** Hard wall-clock limit per bench process: a stuck bench fails the run instead of hanging CI. */
const LIMIT_MS: Record<BenchMode, number> = { quick: 100_000, full: 900_000 };

type Options = { mode: BenchMode; check: boolean; benches: readonly Bench[] };

function parseArgs(argv: readonly string[]): Options {
  let mode: BenchMode = "full";
  let check = false;
  let benches: readonly Bench[] = BENCHES;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--quick") mode = "quick";
    else if (arg === "--full") mode = "full";
    else if (arg === "--check") check = true;
    else if (arg === "--only") {
      const names = (argv[++i] ?? "").split(",").filter(Boolean);
      if (names.length === 0) throw new BenchError(`--only needs a comma-separated list of benches. ${USAGE}`);
      benches = names.map((name) => {
        const bench = BENCHES.find((b) => b.name === name);
        if (!bench) throw new BenchError(`Unknown bench ${JSON.stringify(name)}. ${USAGE}`);
        return bench;
      });
    } else throw new BenchError(`Unknown argument ${JSON.stringify(arg)}. ${USAGE}`);
  }
  if (check && mode === "quick")
    throw new BenchError(`--check holds a full run to the targets; drop --quick. ${USAGE}`);
  return { mode, check, benches };
}

function runInChild(bench: Bench, mode: BenchMode): Promise<BenchOutcome> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, "run-one.ts"), [bench.name, mode], {
      execArgv: ["--expose-gc", "-r", "ts-node/register/transpile-only"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      settle(() => reject(new BenchError(`${bench.name} did not finish within ${LIMIT_MS[mode] / 1000} s`)));
    }, LIMIT_MS[mode]);
    child.on("message", (msg: RunOneMessage) => {
      if (msg.type === "outcome") settle(() => resolve(msg.outcome));
      else settle(() => reject(new BenchError(`${bench.name} failed: ${msg.message}`)));
    });
    child.on("exit", (code, signal) =>
      settle(() => reject(new BenchError(`${bench.name} exited (${signal ?? `code ${code}`}) without a result`))),
    );
  });
}

function targetMet(target: BenchTarget): boolean {
  return target.comparison === "<=" ? target.measured <= target.limit : target.measured >= target.limit;
}

/** bench/results.json: every target of this run (merged over earlier runs of other benches), one row each. */
function writeTargets(file: string, mode: BenchMode, byBench: Map<string, BenchTarget[]>): void {
  const earlier: Record<string, unknown> = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
  const benches = { ...((earlier.benches as Record<string, unknown> | undefined) ?? {}) };
  for (const [name, targets] of byBench) {
    benches[name] = { date: new Date().toISOString(), targets: targets.map((t) => ({ ...t, met: targetMet(t) })) };
  }
  fs.writeFileSync(file, `${JSON.stringify({ mode, machine: machineInfo(), benches }, null, 2)}\n`);
}

async function main(): Promise<void> {
  const { mode, check, benches } = parseArgs(process.argv.slice(2));
  const outDir = path.join(__dirname, "results", mode === "quick" ? "quick" : "");
  fs.mkdirSync(outDir, { recursive: true });
  const machine = machineInfo();
  process.stderr.write(
    `Kho benchmarks (${mode}) on ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, load ${machine.loadAverage1m}\n`,
  );
  const runStart = nowMs();
  const targets = new Map<string, BenchTarget[]>();
  for (const bench of benches) {
    process.stderr.write(`▶ ${bench.name}: ${bench.description}\n`);
    const start = nowMs();
    const outcome = await runInChild(bench, mode);
    const seconds = round((nowMs() - start) / 1000, 1);
    const file = path.join(outDir, `${bench.name}.json`);
    const record = {
      bench: bench.name,
      description: bench.description,
      mode,
      seconds,
      machine: machineInfo(),
      ...outcome,
    };
    fs.writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
    process.stdout.write(`\n### ${bench.name} (${mode}, ${seconds} s)\n\n`);
    for (const table of outcome.tables) process.stdout.write(`${markdownTable(table)}\n\n`);
    for (const note of outcome.notes) process.stdout.write(`- ${note}\n`);
    targets.set(bench.name, outcome.targets);
    if (outcome.targets.length > 0) {
      process.stdout.write(
        `\n${markdownTable({
          title: `${bench.name} targets`,
          columns: ["target", "measured", "limit", "met"],
          rows: outcome.targets.map((t) => [
            t.description,
            `${t.measured} ${t.unit}`,
            `${t.comparison} ${t.limit} ${t.unit}`,
            targetMet(t) ? "yes" : "NO",
          ]),
        })}\n`,
      );
    }
    process.stderr.write(`✔ ${bench.name} in ${seconds} s → ${path.relative(process.cwd(), file)}\n`);
  }
  process.stderr.write(`All ${benches.length} bench(es) done in ${round((nowMs() - runStart) / 1000, 1)} s.\n`);
  writeTargets(
    mode === "quick" ? path.join(outDir, "results.json") : path.join(__dirname, "results.json"),
    mode,
    targets,
  );
  const missed = [...targets.values()].flat().filter((t) => !targetMet(t));
  for (const t of missed)
    process.stderr.write(
      `✘ target missed: ${t.description}: ${t.measured} ${t.unit}, needs ${t.comparison} ${t.limit}\n`,
    );
  if (check && missed.length > 0) throw new BenchError(`${missed.length} target(s) missed (see above).`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
