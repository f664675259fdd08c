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
import { type RunningRelayer, startRelayer } from "../../src/relayer/server";
import { openStore } from "../../src/relayer/store";
import { addDeployment, createCommunity, createKhoClient, registerModel } from "../../src/sdk";
import type { LoadResult } from "../relayer/load";
import type { LoadProcessMessage, PhaseResult, RunLoadMessage } from "../relayer/messages";
import { nowMs, round } from "../lib/stats";
import { type Bench, BenchError } from "../lib/types";
import { BENCH_SIGNER_KEY } from "./signing";

const CONCURRENCY = 32;
const MODEL_NAME = "ca-kho-vi";

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

function row(label: string, r: LoadResult): (string | number)[] {
  return [label, r.ok, r.errors, r.perSecond, r.latencyMs.p50, r.latencyMs.p95, r.latencyMs.p99, r.latencyMs.max];
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
    "a real relayer (startRelayer: SQLite, worker signer, batcher, in-process Hardhat chain) vs the stub upstream alone",
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

      const config: RelayerConfig = {
        rpcUrl: chain.rpcUrl,
        chainId: chain.chainId,
        schedule: deployment.epoch,
        contracts: {
          usageLedger: deployment.contracts.UsageLedger,
          modelRegistry: deployment.contracts.ModelRegistry,
          feeEscrow: deployment.contracts.FeeEscrow,
        },
        relayerPrivateKey: BENCH_SIGNER_KEY,
        dbPath: path.join(dir, "relayer.sqlite"),
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
      };
      const keyStore = await openStore(config.dbPath);
      const apiKey = (await createApiKey(keyStore, { owner: chain.accounts[0]!.address, label: "bench" })).key;
      await keyStore.close();
      relayer = await startRelayer(config, { logger: pino({ level: "silent" }) });
      log(
        `setup took ${round((nowMs() - setupStart) / 1000, 1)} s; relayer at ${relayer.url}, ${signerThreads} signer thread(s)`,
      );

      log(
        `load: ${warmup} warm-up, then ${requests} requests (${CONCURRENCY} in flight) and ${serialRequests} (1 in flight), each to the stub alone and through the relayer`,
      );
      const run: RunLoadMessage = {
        type: "run",
        relayerUrl: relayer.url,
        apiKey,
        model: MODEL_NAME,
        warmup,
        phases: [
          { requests, concurrency: CONCURRENCY },
          { requests: serialRequests, concurrency: 1 },
        ],
        deadlineMs,
      };
      child.send(run);
      const result = await nextMessage(child, 5 * deadlineMs + 60_000);
      if (result.type !== "result") throw new BenchError("the load process answered out of order");
      for (const phase of result.phases) {
        for (const [what, r] of [
          ["stub", phase.stub],
          ["relayer", phase.relayer],
        ] as const) {
          if (r.errors > 0) throw new BenchError(`${r.errors} ${what} requests failed; first: ${r.firstError}`);
          if (r.timedOut)
            throw new BenchError(`${what} load hit its ${deadlineMs} ms deadline after ${r.requests} requests`);
        }
      }

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

      const added = (phase: PhaseResult) => ({
        p50: round(phase.relayer.latencyMs.p50 - phase.stub.latencyMs.p50),
        p95: round(phase.relayer.latencyMs.p95 - phase.stub.latencyMs.p95),
        p99: round(phase.relayer.latencyMs.p99 - phase.stub.latencyMs.p99),
      });
      return {
        tables: result.phases.map((phase) => {
          const a = added(phase);
          return {
            title: `${phase.requests.toLocaleString("en-US")} chat completions, ${phase.concurrency} in flight, loopback, ${signerThreads} signer thread(s)`,
            columns: ["target", "ok", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms"],
            rows: [
              row("stub upstream alone", phase.stub),
              row("relayer → stub (receipt signed + stored)", phase.relayer),
              ["added by the relayer (difference of percentiles)", "", "", "", a.p50, a.p95, a.p99, ""],
            ],
          };
        }),
        data: {
          warmup,
          signerThreads,
          phases: result.phases.map((phase) => ({ ...phase, addedLatencyMs: added(phase) })),
          batchesCommittedOnChain: Number(batches),
        },
        notes: [
          "Chain: Hardhat's in-process network in the relayer's process (JSON-RPC over loopback), Kho deployed by Ignition; community, model and deployment registered through src/sdk.",
          "The stub upstream and the load generator share a separate child process; the relayer, its SQLite store, batcher and the chain share the parent process.",
          `${Number(batches)} batches (≤ 256 receipts each) were committed on-chain during the run and at shutdown.`,
        ],
        targets: [],
      };
    } finally {
      if (relayer) await relayer.close().catch(() => undefined);
      if (chain) await chain.close().catch(() => undefined);
      if (child.exitCode === null && child.signalCode === null) child.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
