import { type ChildProcess, fork } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type LocalChain, startLocalChain } from "../../src/devnet/local-chain";
import { usageLedgerAbi } from "../../src/protocol";
import { createApiKey } from "../../src/relayer/auth/api-keys";
import type { RelayerConfig } from "../../src/relayer/config";
import { type RunningRelayer, type StartRelayerOptions, startRelayer } from "../../src/relayer/server";
import { openStore } from "../../src/relayer/store";
import { addDeployment, createCommunity, createKhoClient, registerModel } from "../../src/sdk";
import type { LoadResult } from "../relayer/load";
import type { DoneMessage, LoadProcessMessage, RunLoadMessage } from "../relayer/messages";
import { withoutReceipts } from "../relayer/receipts-off";
import { nowMs, round } from "../lib/stats";
import { type Bench, BenchError } from "../lib/types";
import { BENCH_SIGNER_KEY } from "./signing";

const CONCURRENCY = 32;
const MODEL_NAME = "ca-kho-vi";

/**
 * Today's code path before issue 13 (commit fb6155c: a new upstream connection per call, hashing on
 * the main thread), measured with this bench's full run on this 2-core machine while other work
 * shared it (load average 3.9). The ≥ 3× target is held against this figure.
 */
const REFERENCE = {
  commit: "fb6155c",
  date: "2026-12-02",
  requestsPerSecond: 111.9,
};

/** Latency at half load is measured open-loop for this long (full) so p99 rests on enough samples. */
const HALF_LOAD_SECONDS = { quick: 3, full: 20 } as const;

function forkLoadProcess(): ChildProcess {
  return fork(path.join(__dirname, "..", "relayer", "load-process.ts"), [], {
    execArgv: ["-r", "ts-node/register/transpile-only"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
}

function nextMessage(child: ChildProcess, timeoutMs: number): Promise<LoadProcessMessage> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new BenchError(`the load process did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (msg: LoadProcessMessage) => {
      cleanup();
      if (msg.type === "error") reject(new BenchError(`load process failed: ${msg.message}`));
      else resolve(msg);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new BenchError(`the load process exited early with code ${code}`));
    };
    child.on("message", onMessage);
    child.on("exit", onExit);
  });
}

/** Sends one run to the load process and waits for its results, failing on any error or timeout. */
async function load(child: ChildProcess, run: Omit<RunLoadMessage, "type">, what: string): Promise<LoadResult[]> {
  child.send({ type: "run", ...run } satisfies RunLoadMessage);
  const answer = await nextMessage(child, (run.phases.length + 1) * run.deadlineMs + 60_000);
  if (answer.type !== "result") throw new BenchError("the load process answered out of order");
  for (const r of answer.results) {
    if (r.errors > 0) throw new BenchError(`${r.errors} ${what} requests failed; first: ${r.firstError}`);
    if (r.timedOut)
      throw new BenchError(`${what} load hit its ${run.deadlineMs} ms deadline after ${r.requests} requests`);
  }
  return answer.results;
}

function row(label: string, r: LoadResult): (string | number)[] {
  return [label, r.ok, r.errors, r.perSecond, r.latencyMs.p50, r.latencyMs.p95, r.latencyMs.p99, r.latencyMs.max];
}

function added(relayer: LoadResult, stub: LoadResult) {
  return {
    p50: round(relayer.latencyMs.p50 - stub.latencyMs.p50),
    p95: round(relayer.latencyMs.p95 - stub.latencyMs.p95),
    p99: round(relayer.latencyMs.p99 - stub.latencyMs.p99),
  };
}

/** Registers a community, a model and one deployment pointing at the stub, through the SDK. */
async function registerStubModel(chain: LocalChain, stubUrl: string): Promise<void> {
  const [builder, , operator] = chain.accounts;
  const client = createKhoClient({
    rpcUrl: chain.rpcUrl,
    chainId: chain.chainId,
    addresses: chain.deployment!.contracts,
    account: builder!.privateKey,
    confirmations: 1,
  });
  const { communityId } = await createCommunity(client, {
    slug: "vi-VN/home-cooking",
    locale: "vi-VN",
    metadataURI: "ipfs://bench-community",
  });
  const { modelId } = await registerModel(client, {
    name: MODEL_NAME,
    locale: "vi-VN",
    communityId,
    metadataURI: "ipfs://bench-model",
    contentHash: keccak256(toHex("bench weights")),
  });
  await addDeployment(client, { modelId, operator: operator!.address, endpoint: stubUrl });
}

export const relayerThroughputBench: Bench = {
  name: "relayer-throughput",
  description:
    "a real relayer (startRelayer: SQLite, worker signer, batcher, in-process Hardhat chain) vs the same relayer without receipts and vs the stub upstream alone",
  async run({ mode, log }) {
    const requests = mode === "full" ? 10_000 : 500;
    const serialRequests = mode === "full" ? 1_000 : 100;
    const warmup = mode === "full" ? 500 : 100;
    const deadlineMs = mode === "full" ? 240_000 : 30_000;
    const signerThreads = Math.max(1, os.availableParallelism() - 1);
    const relayerAddress = privateKeyToAccount(BENCH_SIGNER_KEY).address;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kho-bench-relayer-"));
    const child = forkLoadProcess();
    let chain: LocalChain | undefined;
    let relayer: RunningRelayer | undefined;
    try {
      const stub = await nextMessage(child, 60_000);
      if (stub.type !== "stub") throw new BenchError("the load process did not report its stub upstream first");

      log("starting the in-process Hardhat chain and deploying Kho");
      const setupStart = nowMs();
      chain = await startLocalChain({ accounts: 3, deploy: { relayer: relayerAddress } });
      if (chain.accounts[1]!.address !== relayerAddress)
        throw new BenchError("Hardhat account #1 is not the bench relayer key");
      await registerStubModel(chain, stub.url);
      const deployment = chain.deployment!;
      const owner = chain.accounts[0]!.address;

      const configFor = (name: string): RelayerConfig => ({
        rpcUrl: chain!.rpcUrl,
        chainId: chain!.chainId,
        schedule: deployment.epoch,
        contracts: {
          usageLedger: deployment.contracts.UsageLedger,
          modelRegistry: deployment.contracts.ModelRegistry,
          feeEscrow: deployment.contracts.FeeEscrow,
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
        const config = configFor(name);
        const keyStore = await openStore(config.dbPath);
        const apiKey = (await createApiKey(keyStore, { owner, label: "bench" })).key;
        await keyStore.close();
        const running = await startRelayer(config, { logger: pino({ level: "silent" }), ...options });
        return { running, target: { kind: "relayer" as const, url: running.url, apiKey } };
      };
      log(`setup took ${round((nowMs() - setupStart) / 1000, 1)} s; ${signerThreads} signer thread(s)`);

      const common = { model: MODEL_NAME, deadlineMs };
      const closed = (n: number, concurrency: number) => ({ requests: n, shape: { concurrency } });
      log(`stub alone: ${requests} requests (${CONCURRENCY} in flight), ${serialRequests} (1 in flight)`);
      const [stub32, stub1] = await load(
        child,
        {
          ...common,
          target: { kind: "stub" },
          warmup,
          phases: [closed(requests, CONCURRENCY), closed(serialRequests, 1)],
        },
        "stub",
      );

      // Receipts off first: its relayer commits nothing, so the chain is as fresh for the real one.
      log(`relayer without receipts: ${warmup} warm-up, ${requests} requests (${CONCURRENCY} in flight)`);
      const off = await start("receipts-off", { adjustAppDeps: withoutReceipts });
      relayer = off.running;
      const [off32] = await load(
        child,
        { ...common, target: off.target, warmup, phases: [closed(requests, CONCURRENCY)] },
        "receipts-off relayer",
      );
      await relayer.close();
      relayer = undefined;

      log(
        `relayer: ${warmup} warm-up, ${requests} requests (${CONCURRENCY} in flight), ${serialRequests} (1 in flight)`,
      );
      const on = await start("relayer");
      relayer = on.running;
      const [on32, on1] = await load(
        child,
        { ...common, target: on.target, warmup, phases: [closed(requests, CONCURRENCY), closed(serialRequests, 1)] },
        "relayer",
      );
      const halfRate = round(on32!.perSecond / 2, 1);
      const halfRequests = Math.max(50, Math.round(halfRate * HALF_LOAD_SECONDS[mode]));
      const open = { requests: halfRequests, shape: { perSecond: halfRate } };
      log(
        `half load: ${halfRequests} requests at ${halfRate} req/s (open loop), through the relayer, then to the stub`,
      );
      const [onHalf] = await load(child, { ...common, target: on.target, warmup: 0, phases: [open] }, "relayer");
      const [stubHalf] = await load(child, { ...common, target: { kind: "stub" }, warmup: 0, phases: [open] }, "stub");
      child.send({ type: "done" } satisfies DoneMessage);

      log("closing the relayer (flushes the last batch)");
      await relayer.close();
      relayer = undefined;
      const client = createKhoClient({ rpcUrl: chain.rpcUrl, chainId: chain.chainId, addresses: deployment.contracts });
      const batches = await client.public.readContract({
        address: deployment.contracts.UsageLedger,
        abi: usageLedgerAbi,
        functionName: "lastBatchId",
        args: [relayerAddress],
      });

      const a32 = added(on32!, stub32!);
      const a1 = added(on1!, stub1!);
      const aHalf = added(onHalf!, stubHalf!);
      const versusOff = round(on32!.perSecond / off32!.perSecond, 3);
      const versusReference = round(on32!.perSecond / REFERENCE.requestsPerSecond, 2);
      const columns = ["target", "ok", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms"];
      const addedRow = (a: ReturnType<typeof added>) => [
        "added by the relayer (difference of percentiles)",
        "",
        "",
        "",
        a.p50,
        a.p95,
        a.p99,
        "",
      ];
      return {
        tables: [
          {
            title: `${requests.toLocaleString("en-US")} chat completions, ${CONCURRENCY} in flight, loopback, ${signerThreads} signer thread(s)`,
            columns,
            rows: [
              row("stub upstream alone", stub32!),
              row("relayer → stub, receipts off (bench-only wiring)", off32!),
              row("relayer → stub (receipt signed + stored + batched)", on32!),
              [
                `today's code (${REFERENCE.commit}, ${REFERENCE.date}, reference)`,
                "",
                "",
                REFERENCE.requestsPerSecond,
                "",
                "",
                "",
                "",
              ],
              addedRow(a32),
            ],
          },
          {
            title: `${halfRequests.toLocaleString("en-US")} chat completions at ${halfRate} req/s (half the relayer's ${CONCURRENCY}-in-flight rate), open loop`,
            columns,
            rows: [
              row("stub upstream alone", stubHalf!),
              row("relayer → stub (receipt signed + stored)", onHalf!),
              addedRow(aHalf),
            ],
          },
          {
            title: `${serialRequests.toLocaleString("en-US")} chat completions, 1 in flight`,
            columns,
            rows: [
              row("stub upstream alone", stub1!),
              row("relayer → stub (receipt signed + stored)", on1!),
              addedRow(a1),
            ],
          },
        ],
        data: {
          warmup,
          signerThreads,
          reference: REFERENCE,
          stub: { concurrent: stub32, serial: stub1, halfLoad: stubHalf },
          receiptsOff: { concurrent: off32 },
          relayer: { concurrent: on32, serial: on1, halfLoad: onHalf },
          addedLatencyMs: { concurrent: a32, serial: a1, halfLoad: aHalf },
          halfLoadPerSecond: halfRate,
          ratioVersusReceiptsOff: versusOff,
          ratioVersusReference: versusReference,
          batchesCommittedOnChain: Number(batches),
        },
        notes: [
          "Chain: Hardhat's in-process network in the relayer's process (JSON-RPC over loopback), Kho deployed by Ignition; community, model and deployment registered through src/sdk.",
          "The stub upstream and the load generator share a separate child process; the relayer, its SQLite store, batcher and the chain share the parent process.",
          "Receipts off: the same startRelayer with a placeholder signer and a store that drops receipt rows (bench/relayer/receipts-off.ts); the relayer has no such setting.",
          `Half load is open loop (one request every 1/${halfRate} s); each latency counts from the request's scheduled start.`,
          `Reference: today's code path (${REFERENCE.commit}) measured with this bench's full run on ${REFERENCE.date}.`,
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
          {
            id: "relayer-throughput-vs-reference",
            description: `relayer req/s at ${CONCURRENCY} in flight ÷ today's code (${REFERENCE.commit}, ${REFERENCE.requestsPerSecond} req/s)`,
            measured: versusReference,
            limit: 3,
            comparison: ">=",
            unit: "×",
          },
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
      if (chain) await chain.close().catch(() => undefined);
      if (child.exitCode === null && child.signalCode === null) child.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
