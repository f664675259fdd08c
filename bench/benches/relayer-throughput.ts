import { type ChildProcess, type ForkOptions, fork } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { privateKeyToAccount } from "viem/accounts";
import { usageLedgerAbi } from "../../src/protocol";
import { createApiKey } from "../../src/relayer/auth/api-keys";
import type { RelayerConfig } from "../../src/relayer/config";
import { type RunningRelayer, type StartRelayerOptions, startRelayer } from "../../src/relayer/server";
import { openStore } from "../../src/relayer/store";
import { createKhoClient } from "../../src/sdk";
import { BENCH_MODEL_NAME } from "../relayer/messages";
import type { LoadResult } from "../relayer/load";
import type {
  ChainMessage,
  ChainProcessMessage,
  DoneMessage,
  LoadProcessMessage,
  LoadTarget,
  RunLoadMessage,
} from "../relayer/messages";
import { startBareProxy } from "../relayer/bare-proxy";
import { withoutReceipts } from "../relayer/receipts-off";
import { REFERENCE_COMMIT, type ReferenceTree, exportReferenceTree } from "../relayer/reference-tree";
import { type EventLoopDelay, watchEventLoop } from "../lib/event-loop";
import { nowMs, round } from "../lib/stats";
import { type Bench, BenchError } from "../lib/types";
import { BENCH_SIGNER_KEY } from "./signing";

const CONCURRENCY = 32;

/** Latency at half load is measured open-loop for this long (full) so p99 rests on enough samples. */
const HALF_LOAD_SECONDS = { quick: 3, full: 20 } as const;

type ChainInfo = Extract<ChainProcessMessage, { type: "chain" }>;

/** Child processes talk over IPC with advanced serialization: the chain process sends a deployment, which carries bigints. */
const CHILD_OPTIONS = {
  execArgv: ["-r", "ts-node/register/transpile-only"],
  stdio: ["ignore", "inherit", "inherit", "ipc"],
  serialization: "advanced",
} satisfies ForkOptions;

function nextMessage<M extends { type: string }>(child: ChildProcess, timeoutMs: number, what: string): Promise<M> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new BenchError(`the ${what} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (msg: M | { type: "error"; message: string }) => {
      cleanup();
      if (msg.type === "error" && "message" in msg) reject(new BenchError(`${what} failed: ${msg.message}`));
      else resolve(msg as M);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new BenchError(`the ${what} exited early with code ${code}`));
    };
    child.on("message", onMessage);
    child.on("exit", onExit);
  });
}

/**
 * Resolves once `child` has exited, killing it if it has not within `graceMs` (then with true): the
 * next bench in the run must not share the cores with a chain or load process still shutting down.
 */
function exited(child: ChildProcess, graceMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(false);
  return new Promise((resolve) => {
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(killed);
    });
  });
}

/** A chain in its own process, deployed from the source tree at `root` (default: this checkout). */
async function startChainProcess(
  relayer: `0x${string}`,
  stubUrl: string,
  root?: string,
): Promise<{ info: ChainInfo; stop(): Promise<boolean> }> {
  const child = fork(path.join(__dirname, "..", "relayer", "chain-process.ts"), root ? [root] : [], CHILD_OPTIONS);
  child.send({ type: "start", relayer, stubUrl } satisfies ChainMessage);
  const stop = () => {
    // The chain process closes its network and exits when the IPC channel closes.
    if (child.connected) child.send({ type: "stop" } satisfies ChainMessage);
    return exited(child, 10_000);
  };
  try {
    const info = await nextMessage<ChainProcessMessage>(child, 600_000, "chain process");
    if (info.type !== "chain") throw new BenchError("the chain process answered out of order");
    if (info.accounts[1] !== relayer) throw new BenchError("Hardhat account #1 is not the bench relayer key");
    return { info, stop };
  } catch (error) {
    child.kill();
    throw error;
  }
}

/** Sends one run to the load process and waits for its results, failing on any error or timeout. */
async function load(child: ChildProcess, run: Omit<RunLoadMessage, "type">, what: string): Promise<LoadResult[]> {
  child.send({ type: "run", ...run } satisfies RunLoadMessage);
  const answer = await nextMessage<LoadProcessMessage>(
    child,
    (run.phases.length + 1) * run.deadlineMs + 60_000,
    "load process",
  );
  if (answer.type !== "result") throw new BenchError("the load process answered out of order");
  for (const r of answer.results) {
    if (r.errors > 0) throw new BenchError(`${r.errors} ${what} requests failed; first: ${r.firstError}`);
    if (r.timedOut)
      throw new BenchError(`${what} load hit its ${run.deadlineMs} ms deadline after ${r.requests} requests`);
  }
  return answer.results;
}

/** One measured phase: its result, the relayer process's event-loop delay and the load average during it. */
type Measured = { result: LoadResult; eventLoop: EventLoopDelay; loadAverage1m: number };

/**
 * One load phase whose warm-up is sent first, on its own, so the event-loop delay watched in this
 * (the relayer's) process covers the measured requests only.
 */
async function measured(
  child: ChildProcess,
  run: Omit<RunLoadMessage, "type" | "phases"> & { phase: RunLoadMessage["phases"][number] },
  what: string,
): Promise<Measured> {
  const { phase, ...rest } = run;
  if (run.warmup > 0) await load(child, { ...rest, phases: [] }, what);
  const loop = watchEventLoop();
  const [result] = await load(child, { ...rest, warmup: 0, phases: [phase] }, what);
  return { result: result!, eventLoop: loop.stop(), loadAverage1m: round(os.loadavg()[0]!, 2) };
}

function row(label: string, m: Measured): (string | number)[] {
  const r = m.result;
  return [
    label,
    r.ok,
    r.perSecond,
    r.latencyMs.p50,
    r.latencyMs.p95,
    r.latencyMs.p99,
    r.latencyMs.max,
    m.loadAverage1m,
  ];
}

function added(relayer: LoadResult, stub: LoadResult) {
  return {
    p50: round(relayer.latencyMs.p50 - stub.latencyMs.p50),
    p95: round(relayer.latencyMs.p95 - stub.latencyMs.p95),
    p99: round(relayer.latencyMs.p99 - stub.latencyMs.p99),
  };
}

export const relayerThroughputBench: Bench = {
  name: "relayer-throughput",
  description:
    "a real relayer (startRelayer: SQLite, worker signer, batcher; chain in its own process) vs the same relayer without receipts, vs the stub upstream alone and (full) vs the pre-issue-13 relayer",
  async run({ mode, log }) {
    const requests = mode === "full" ? 10_000 : 500;
    const serialRequests = mode === "full" ? 1_000 : 100;
    const warmup = mode === "full" ? 500 : 100;
    const deadlineMs = mode === "full" ? 240_000 : 30_000;
    const signerThreads = Math.max(1, os.availableParallelism() - 1);
    const relayerAddress = privateKeyToAccount(BENCH_SIGNER_KEY).address;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kho-bench-relayer-"));
    const child = fork(path.join(__dirname, "..", "relayer", "load-process.ts"), [], CHILD_OPTIONS);
    const stops: (() => Promise<boolean>)[] = [];
    let relayer: { close(): Promise<void> } | undefined;
    let reference: ReferenceTree | undefined;
    try {
      const stub = await nextMessage<LoadProcessMessage>(child, 60_000, "load process");
      if (stub.type !== "stub") throw new BenchError("the load process did not report its stub upstream first");

      log("starting Hardhat's network in its own process and deploying Kho");
      const setupStart = nowMs();
      const chain = await startChainProcess(relayerAddress, stub.url);
      stops.push(chain.stop);
      // The reference relayer speaks to its own commit's contracts: it gets its own chain.
      let referenceChain: ChainInfo | undefined;
      if (mode === "full") {
        reference = exportReferenceTree();
        log(`reference ${REFERENCE_COMMIT} exported to ${reference.root}; starting its chain (compiles its contracts)`);
        const started = await startChainProcess(relayerAddress, stub.url, reference.root);
        stops.push(started.stop);
        referenceChain = started.info;
      }
      const owner = chain.info.accounts[0]!;

      const configFor = (name: string, info: ChainInfo): RelayerConfig => ({
        rpcUrl: info.rpcUrl,
        chainId: info.chainId,
        schedule: info.deployment.epoch,
        contracts: {
          usageLedger: info.deployment.contracts.UsageLedger,
          modelRegistry: info.deployment.contracts.ModelRegistry,
          feeEscrow: info.deployment.contracts.FeeEscrow,
        },
        relayerPrivateKey: BENCH_SIGNER_KEY,
        dbPath: path.join(dir, `${name}.sqlite`),
        host: "127.0.0.1",
        port: 0,
        publicUrl: "http://127.0.0.1:8787",
        userIdSalt: `0x${"5a".repeat(32)}`,
        batch: { maxReceipts: 256, maxAgeSeconds: 30 },
        upstream: { timeoutMs: 15_000, maxResponseBytes: 1 << 20, allowLoopback: true },
        maxBodyBytes: 1 << 20,
        rateLimit: { perCallerPerMinute: 1_000_000, perIpPerMinute: 1_000_000 },
        signerThreads,
        minSignerBalanceWei: 10n ** 15n,
        modelCacheTtlSeconds: 30,
        escrowBalanceCacheMs: 2_000,
        logLevel: "silent",
      });
      /** Starts a relayer on its own database, with an API key for the bench's caller. */
      const start = async (name: string, options: StartRelayerOptions = {}) => {
        const config = configFor(name, chain.info);
        const keyStore = await openStore(config.dbPath);
        const apiKey = (await createApiKey(keyStore, { owner, label: "bench" })).key;
        await keyStore.close();
        const running: RunningRelayer = await startRelayer(config, { logger: pino({ level: "silent" }), ...options });
        relayer = running;
        return { kind: "relayer", url: running.url, apiKey } satisfies LoadTarget;
      };
      const stopRelayer = async () => {
        await relayer?.close();
        relayer = undefined;
      };
      log(`setup took ${round((nowMs() - setupStart) / 1000, 1)} s; ${signerThreads} signer thread(s)`);

      const common = { model: BENCH_MODEL_NAME, deadlineMs };
      const closed = (n: number, concurrency: number) => ({ requests: n, shape: { concurrency } });
      log(`stub alone: ${requests} requests (${CONCURRENCY} in flight), ${serialRequests} (1 in flight)`);
      const stubTarget = { kind: "stub" } as const;
      const stub32 = await measured(
        child,
        { ...common, target: stubTarget, warmup, phase: closed(requests, CONCURRENCY) },
        "stub",
      );
      const stub1 = await measured(
        child,
        { ...common, target: stubTarget, warmup: 0, phase: closed(serialRequests, 1) },
        "stub",
      );

      log(`bare node:http proxy: ${warmup} warm-up, ${requests} requests (${CONCURRENCY} in flight)`);
      const bare = await startBareProxy(stub.url);
      let bare32: Measured;
      try {
        bare32 = await measured(
          child,
          {
            ...common,
            target: { kind: "bare-proxy", url: bare.url },
            warmup,
            phase: closed(requests, CONCURRENCY),
          },
          "bare proxy",
        );
      } finally {
        await bare.close();
      }

      // Receipts off first: its relayer commits nothing, so the chain is as fresh for the real one.
      log(`relayer without receipts: ${warmup} warm-up, ${requests} requests (${CONCURRENCY} in flight)`);
      const offTarget = await start("receipts-off", { adjustAppDeps: withoutReceipts });
      const off32 = await measured(
        child,
        { ...common, target: offTarget, warmup, phase: closed(requests, CONCURRENCY) },
        "receipts-off relayer",
      );
      await stopRelayer();

      log(
        `relayer: ${warmup} warm-up, ${requests} requests (${CONCURRENCY} in flight), ${serialRequests} (1 in flight)`,
      );
      const onTarget = await start("relayer");
      const on32 = await measured(
        child,
        { ...common, target: onTarget, warmup, phase: closed(requests, CONCURRENCY) },
        "relayer",
      );
      const on1 = await measured(
        child,
        { ...common, target: onTarget, warmup: 0, phase: closed(serialRequests, 1) },
        "relayer",
      );
      const halfRate = round(on32.result.perSecond / 2, 1);
      const halfRequests = Math.max(50, Math.round(halfRate * HALF_LOAD_SECONDS[mode]));
      const open = { requests: halfRequests, shape: { perSecond: halfRate } };
      log(
        `half load: ${halfRequests} requests at ${halfRate} req/s (open loop), through the relayer, then to the stub`,
      );
      const onHalf = await measured(child, { ...common, target: onTarget, warmup: 0, phase: open }, "relayer");
      const stubHalf = await measured(child, { ...common, target: stubTarget, warmup: 0, phase: open }, "stub");

      log("closing the relayer (flushes the last batch)");
      await stopRelayer();
      const client = createKhoClient({
        rpcUrl: chain.info.rpcUrl,
        chainId: chain.info.chainId,
        addresses: chain.info.deployment.contracts,
      });
      const batches = await client.public.readContract({
        address: chain.info.deployment.contracts.UsageLedger,
        abi: usageLedgerAbi,
        functionName: "lastBatchId",
        args: [relayerAddress],
      });

      let ref32: Measured | undefined;
      if (reference && referenceChain) {
        log(
          `reference relayer (${REFERENCE_COMMIT}): ${warmup} warm-up, ${requests} requests (${CONCURRENCY} in flight)`,
        );
        const modules = reference.modules();
        const config = configFor("reference", referenceChain);
        const keyStore = await modules.openStore(config.dbPath);
        const apiKey = (await modules.createApiKey(keyStore, { owner: referenceChain.accounts[0]!, label: "bench" }))
          .key;
        await keyStore.close();
        const running = await modules.startRelayer(config, { logger: pino({ level: "silent" }) });
        relayer = running;
        ref32 = await measured(
          child,
          {
            ...common,
            target: { kind: "relayer", url: running.url, apiKey },
            warmup,
            phase: closed(requests, CONCURRENCY),
          },
          "reference relayer",
        );
        await stopRelayer();
      }
      child.send({ type: "done" } satisfies DoneMessage);

      const a32 = added(on32.result, stub32.result);
      const a1 = added(on1.result, stub1.result);
      const aHalf = added(onHalf.result, stubHalf.result);
      const versusOff = round(on32.result.perSecond / off32.result.perSecond, 3);
      const versusReference = ref32 ? round(on32.result.perSecond / ref32.result.perSecond, 2) : null;
      const columns = ["target", "ok", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "load avg 1m"];
      const addedRow = (a: ReturnType<typeof added>) => [
        "added by the relayer (difference of percentiles)",
        "",
        "",
        a.p50,
        a.p95,
        a.p99,
        "",
        "",
      ];
      const loopRows: [string, Measured][] = [
        [`bare node:http proxy, ${CONCURRENCY} in flight`, bare32],
        [`receipts off, ${CONCURRENCY} in flight`, off32],
        [`relayer, ${CONCURRENCY} in flight`, on32],
        ...(ref32 ? [[`reference ${REFERENCE_COMMIT}, ${CONCURRENCY} in flight`, ref32] as [string, Measured]] : []),
        ["relayer, 1 in flight", on1],
        [`relayer, half load (${halfRate} req/s)`, onHalf],
      ];
      const phase = (m: Measured) => ({ ...m.result, eventLoopDelayMs: m.eventLoop, loadAverage1m: m.loadAverage1m });
      return {
        tables: [
          {
            title: `${requests.toLocaleString("en-US")} chat completions, ${CONCURRENCY} in flight, loopback, ${signerThreads} signer thread(s)`,
            columns,
            rows: [
              row("stub upstream alone", stub32),
              row("bare node:http proxy → stub (the floor: no framework, no receipts)", bare32),
              row("relayer → stub, receipts off (bench-only wiring)", off32),
              row("relayer → stub (receipt signed + stored + batched)", on32),
              ...(ref32 ? [row(`reference: the relayer at ${REFERENCE_COMMIT} (before issue 13)`, ref32)] : []),
              addedRow(a32),
            ],
          },
          {
            title: `${halfRequests.toLocaleString("en-US")} chat completions at ${halfRate} req/s (half the relayer's ${CONCURRENCY}-in-flight rate), open loop`,
            columns,
            rows: [
              row("stub upstream alone", stubHalf),
              row("relayer → stub (receipt signed + stored)", onHalf),
              addedRow(aHalf),
            ],
          },
          {
            title: `${serialRequests.toLocaleString("en-US")} chat completions, 1 in flight`,
            columns,
            rows: [
              row("stub upstream alone", stub1),
              row("relayer → stub (receipt signed + stored)", on1),
              addedRow(a1),
            ],
          },
          {
            title:
              "event-loop delay of the relayer's process while each phase ran (monitorEventLoopDelay), and its CPU time (main thread from /proc on Linux; process: every thread)",
            columns: [
              "phase",
              "mean ms",
              "p50 ms",
              "p99 ms",
              "max ms",
              "main-thread CPU ms per request",
              "process CPU ms per request",
            ],
            rows: loopRows.map(([label, m]) => [
              label,
              m.eventLoop.mean,
              m.eventLoop.p50,
              m.eventLoop.p99,
              m.eventLoop.max,
              m.eventLoop.mainThreadCpuMs === null ? "" : round(m.eventLoop.mainThreadCpuMs / m.result.ok, 3),
              round(m.eventLoop.processCpuMs / m.result.ok, 3),
            ]),
          },
        ],
        data: {
          warmup,
          signerThreads,
          reference: ref32 ? { commit: reference!.commit, concurrent: phase(ref32) } : null,
          stub: { concurrent: phase(stub32), serial: phase(stub1), halfLoad: phase(stubHalf) },
          bareProxy: { concurrent: phase(bare32) },
          receiptsOff: { concurrent: phase(off32) },
          relayer: { concurrent: phase(on32), serial: phase(on1), halfLoad: phase(onHalf) },
          addedLatencyMs: { concurrent: a32, serial: a1, halfLoad: aHalf },
          halfLoadPerSecond: halfRate,
          ratioVersusReceiptsOff: versusOff,
          ratioVersusReference: versusReference,
          batchesCommittedOnChain: Number(batches),
        },
        notes: [
          "Chain: Hardhat's network in its own child process (bench/relayer/chain-process.ts, JSON-RPC over loopback), Kho deployed by Ignition; community, model and deployment registered through src/sdk. A production relayer never shares its process with a chain node.",
          "The stub upstream and the load generator share another child process; the relayer, its SQLite store, signer pool and batcher run in the bench process.",
          "Bare proxy (bench/relayer/bare-proxy.ts): node:http alone in the relayer's process, forwarding the body to the stub over a keep-alive agent and the answer back; the CPU per request no server in the relayer's place can go below on this machine.",
          "Receipts off: the same startRelayer with a placeholder signer and a store that drops receipt rows (bench/relayer/receipts-off.ts); the relayer has no such setting.",
          `Half load is open loop (one request every 1/${halfRate} s); each latency counts from the request's scheduled start.`,
          ref32
            ? `Reference: the relayer of ${reference!.commit} (git archive into a temporary directory, node_modules linked), against its own commit's contracts on its own chain process, same config and load driver, measured in this run.`
            : "Reference: measured in full runs only (it compiles and deploys that commit's contracts).",
          `${Number(batches)} batches (≤ 256 receipts each) were committed on-chain during the run and at shutdown.`,
        ],
        targets: [
          {
            id: "relayer-throughput-vs-receipts-off",
            description: `relayer req/s at ${CONCURRENCY} in flight ÷ the same relayer with receipts off`,
            measured: versusOff,
            limit: 0.6,
            comparison: ">=",
            unit: "×",
          },
          ...(ref32 && versusReference !== null
            ? [
                {
                  id: "relayer-throughput-vs-reference",
                  description: `relayer req/s at ${CONCURRENCY} in flight ÷ the relayer of ${REFERENCE_COMMIT} (${ref32.result.perSecond} req/s in this run)`,
                  measured: versusReference,
                  limit: 3,
                  comparison: ">=" as const,
                  unit: "×",
                },
              ]
            : []),
          {
            id: "relayer-added-p99-half-load",
            description: `p99 latency the relayer adds at half its ${CONCURRENCY}-in-flight rate (${halfRate} req/s)`,
            measured: aHalf.p99,
            limit: 10,
            comparison: "<=",
            unit: "ms",
          },
        ],
      };
    } finally {
      if (relayer) await relayer.close().catch(() => undefined);
      const gone = exited(child, 10_000);
      child.kill();
      const killed = (await Promise.all([gone, ...stops.map((stop) => stop())])).filter(Boolean).length;
      if (killed > 0) log(`${killed} child process(es) did not exit within 10 s of being stopped and were killed`);
      reference?.remove();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
