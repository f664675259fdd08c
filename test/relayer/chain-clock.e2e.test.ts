import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { TASK_NODE_CREATE_SERVER } from "hardhat/builtin-tasks/task-names";
import type { JsonRpcServer } from "hardhat/types";
import pino from "pino";
import { type Hex, keccak256, parseEther, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../src/devnet/free-port";
import { loadHardhat } from "../../src/devnet/hardhat-runtime";
import { createRewardsPipeline } from "../../src/rewards";
import { createApiKey } from "../../src/relayer/auth/api-keys";
import type { RelayerConfig } from "../../src/relayer/config";
import { type RunningRelayer, startRelayer } from "../../src/relayer/server";
import { openStore } from "../../src/relayer/store";
import { addDeployment, registerModel } from "../../src/sdk";
import { GRACE, ROLE, type RewardsWorld, startRewardsWorld } from "../rewards/helpers/rewards-world";
import { type StubUpstream, startStubUpstream } from "./helpers/stub-upstream";

const SKEW = 120;
const machineNow = () => BigInt(Math.floor(Date.now() / 1000));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * Issue 8: one clock. The chain runs 120 s behind the machine (Hardhat's initialDate), then 120 s
 * ahead of it (evm_increaseTime), a model is registered mid-epoch and used, and every receipt the
 * relayer acknowledged counts in the epoch's rewards. The relayer also starts with the RPC down.
 */
describe("the relayer on the chain's clock (real Hardhat chain over loopback)", () => {
  let world: RewardsWorld;
  let upstream: StubUpstream;
  let relayer: RunningRelayer | undefined;
  let server: JsonRpcServer | undefined;
  let dir: string;
  let apiKey: string;
  const acknowledged: { hash: Hex; timestamp: bigint }[] = [];

  beforeAll(async () => {
    // Before the network's first use: its genesis, and every block after, run 120 s behind this machine.
    loadHardhat().config.networks.hardhat.initialDate = new Date(Date.now() - SKEW * 1000).toISOString();
    world = await startRewardsWorld();
    upstream = await startStubUpstream();
    // The world's own model points at a refused port (9); this one is served by the stub.
    const { modelId } = await registerModel(world.client(ROLE.builder), {
      name: "pho-clock",
      locale: "vi-VN",
      communityId: world.communityId,
      metadataURI: "ipfs://pho",
      contentHash: keccak256(toHex("pho weights")),
    });
    await addDeployment(world.client(ROLE.builder), {
      modelId,
      operator: world.address(ROLE.operator),
      endpoint: upstream.url,
    });
    dir = mkdtempSync(path.join(tmpdir(), "kho-clock-"));
    const store = await openStore(path.join(dir, "relayer.sqlite"));
    apiKey = (await createApiKey(store, { owner: world.address(ROLE.alice), label: "clock test" })).key;
    await store.close();
  });
  afterAll(async () => {
    await relayer?.close();
    await upstream?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
    if (world) rmSync(world.dir, { recursive: true, force: true });
  });

  const chat = (model: string) =>
    fetch(`${relayer!.url}/v1/chat/completions`, {
      method: "POST",
      headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "Tôi nấu cá kho thế nào?" }] }),
    });
  const health = async () =>
    (await (await fetch(`${relayer!.url}/health`)).json()) as { status: string; reasons: string[] };
  const acknowledge = async (model: string) => {
    const res = await chat(model);
    expect(res.status, await res.clone().text()).toBe(200);
    const body = (await res.json()) as { kho_receipt: { hash: Hex; timestamp: string } };
    const receipt = { hash: body.kho_receipt.hash, timestamp: BigInt(body.kho_receipt.timestamp) };
    acknowledged.push(receipt);
    return receipt;
  };

  it("starts with the RPC down (degraded, 503 with Retry-After) and becomes ready once the chain is up", async () => {
    const rpc = new URL(world.chain.rpcUrl);
    await world.chain.close();
    // Batch data URIs embed the public URL, so the port is chosen before the relayer starts.
    const port = await freePort();
    const config: RelayerConfig = {
      rpcUrl: world.chain.rpcUrl,
      chainId: world.chain.chainId,
      schedule: world.deployment.epoch,
      contracts: {
        usageLedger: world.deployment.contracts.UsageLedger,
        modelRegistry: world.deployment.contracts.ModelRegistry,
        feeEscrow: world.deployment.contracts.FeeEscrow,
      },
      relayerPrivateKey: world.chain.accounts[ROLE.relayer]!.privateKey,
      dbPath: path.join(dir, "relayer.sqlite"),
      host: "127.0.0.1",
      port,
      publicUrl: `http://127.0.0.1:${port}`,
      userIdSalt: keccak256(toHex("clock-salt")),
      batch: { maxReceipts: 256, maxAgeSeconds: 3600 },
      upstream: { timeoutMs: 10_000, maxResponseBytes: 1 << 20, allowLoopback: true },
      maxBodyBytes: 64 * 1024,
      rateLimit: { perCallerPerMinute: 10_000, perIpPerMinute: 10_000 },
      signerThreads: 1,
      minSignerBalanceWei: 1n,
      modelCacheTtlSeconds: 1,
      escrowBalanceCacheMs: 2000,
      logLevel: "silent",
    };
    relayer = await startRelayer(config, {
      logger: pino({ level: process.env.KHO_TEST_LOG_LEVEL ?? "silent" }),
      batcherTickMs: 500,
    });
    const down = await health();
    expect(down.status).toBe("degraded");
    expect(down.reasons.join("; ")).toMatch(/has not reached the chain since it started/);
    const refused = await chat("pho-clock");
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("chain_unavailable");

    server = (await loadHardhat().run(TASK_NODE_CREATE_SERVER, {
      hostname: rpc.hostname,
      port: Number(rpc.port),
      provider: loadHardhat().network.provider,
    })) as JsonRpcServer;
    await server.listen();
    await waitFor("the relayer to become ready", async () => ((await health()).status === "ready" ? true : undefined));
    await acknowledge("pho-clock");
  });

  it("dates receipts on the chain's clock 120 s behind and ahead of the machine; every acknowledged receipt counts, a mid-epoch model too", async () => {
    // Behind: receipts carry the chain's time, not the machine's.
    const behind = await world.chain.latestTimestamp();
    expect(Number(machineNow() - behind)).toBeGreaterThan(SKEW - 20);
    for (let i = 0; i < 3; i++) {
      const { timestamp } = await acknowledge("pho-clock");
      expect(timestamp).toBeGreaterThanOrEqual(behind);
      expect(timestamp).toBeLessThan(machineNow() - BigInt(SKEW - 30));
    }

    // Ahead: the chain jumps 240 s; a model and its deployment are registered in the same epoch and used.
    await world.chain.increaseTime(2 * SKEW);
    const builder = world.client(ROLE.builder);
    const { modelId } = await registerModel(builder, {
      name: "bun-rieu-mid-epoch",
      locale: "vi-VN",
      communityId: world.communityId,
      metadataURI: "ipfs://mid",
      contentHash: keccak256(toHex("mid-epoch weights")),
    });
    await addDeployment(builder, { modelId, operator: world.address(ROLE.operator), endpoint: upstream.url });
    const registeredAt = await world.chain.latestTimestamp();
    expect(Number(registeredAt - machineNow())).toBeGreaterThan(SKEW - 20);
    await waitFor("the relayer to serve the new model", async () =>
      (await chat("bun-rieu-mid-epoch")).status === 200 ? true : undefined,
    );
    for (let i = 0; i < 3; i++) {
      for (const model of ["bun-rieu-mid-epoch", "pho-clock"]) {
        const { timestamp } = await acknowledge(model);
        expect(timestamp).toBeGreaterThanOrEqual(registeredAt);
      }
    }

    await relayer!.batcher.flush();
    const stored = await waitFor("every receipt to be committed", async () => {
      const h = (await (await fetch(`${relayer!.url}/health`)).json()) as {
        checks: { backlog: { unbatchedReceipts: number; pendingBatches: number } };
      };
      return h.checks.backlog.unbatchedReceipts === 0 && h.checks.backlog.pendingBatches === 0 ? h : undefined;
    });
    expect(stored.checks.backlog.unbatchedReceipts).toBe(0);

    await world.chain.setTime(world.epochStart(1n) + GRACE + 1n);
    const pipeline = createRewardsPipeline({
      client: world.client(),
      params: {},
      threads: 1,
    });
    try {
      const { summary } = await pipeline.computeEpoch({ epoch: 0n, budget: parseEther("100") });
      expect(summary.counts.drops).toEqual(Object.fromEntries(Object.keys(summary.counts.drops).map((r) => [r, 0])));
      expect(summary.counts.receipts.dropped).toBe(0);
      // Every acknowledged receipt (plus the readiness probe's) was committed and counts.
      expect(summary.counts.receipts.accepted).toBe(summary.counts.receipts.committed);
      expect(summary.counts.receipts.accepted).toBeGreaterThanOrEqual(acknowledged.length);
    } finally {
      await pipeline.close();
    }
  });
});
