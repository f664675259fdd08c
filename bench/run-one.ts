/**
 * Runs one bench in this (fresh) process and reports its outcome to the parent over IPC, so
 * peak memory and JIT state of one bench never leak into another.
 */
import { BENCHES } from "./benches";
import { BENCH_MODES, type BenchMode, type BenchOutcome } from "./lib/types";

export type RunOneMessage = { type: "outcome"; outcome: BenchOutcome } | { type: "error"; message: string };

async function main(): Promise<void> {
  const [name, mode] = process.argv.slice(2);
  const bench = BENCHES.find((b) => b.name === name);
  if (!bench)
    throw new Error(`Unknown bench ${JSON.stringify(name)}; known: ${BENCHES.map((b) => b.name).join(", ")}.`);
  if (!BENCH_MODES.includes(mode as BenchMode))
    throw new Error(`Mode must be quick or full, not ${JSON.stringify(mode)}.`);
  // createReceiptSigner and createSignaturePool unref their workers, so a process whose only
  // pending work is a message from them exits with code 0 before the answer arrives. A ref'd
  // timer keeps this process alive until the bench resolves.
  const keepAlive = setInterval(() => undefined, 60_000);
  const outcome = await bench
    .run({
      mode: mode as BenchMode,
      log: (message) => process.stderr.write(`  [${bench.name}] ${message}\n`),
    })
    .finally(() => clearInterval(keepAlive));
  await new Promise<void>((resolve, reject) =>
    process.send!({ type: "outcome", outcome } satisfies RunOneMessage, (error: Error | null) =>
      error ? reject(error) : resolve(),
    ),
  );
}

if (!process.send) {
  process.stderr.write("run-one.ts is started by bench/run.ts; run `npm run bench` or `npm run bench:quick`.\n");
  process.exit(2);
}
main().then(
  () => process.exit(0),
  (error: unknown) => {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.send!({ type: "error", message } satisfies RunOneMessage, () => process.exit(1));
  },
);
