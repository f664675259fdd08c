import type { Express } from "express";
import pino from "pino";
import type { Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { type AppConfig, createApp } from "../../../src/relayer/app";
import { createMetrics } from "../../../src/relayer/metrics";
import type { Clock, LedgerClient, UpstreamForwarder } from "../../../src/relayer/ports";
import { Batcher, type BatcherConfig } from "../../../src/relayer/services/batcher";
import { createUpstreamForwarder } from "../../../src/relayer/services/upstream-forwarder";
import { type ReceiptSigner, createReceiptSigner } from "../../../src/relayer/signer/signer";
import { type SqliteRelayerStore, openSqliteStore } from "../../../src/relayer/store";
import { createUpstreamConnections } from "../../../src/relayer/upstream/forward-chat-completion";
import { FakeDirectory } from "./fake-directory";
import { FakeEscrow } from "./fake-escrow";
import { FakeLedger } from "./fake-ledger";
import { type StubUpstream, startStubUpstream } from "./stub-upstream";

export const LEDGER = "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const;
export const CHAIN_ID = 31337;
export const GENESIS = 1_700_000_000n;
export const SCHEDULE = { genesis: GENESIS, length: 86_400n, batchGracePeriod: 3_600n };

export type TestRelayer = {
  app: Express;
  store: SqliteRelayerStore;
  signer: ReceiptSigner;
  directory: FakeDirectory;
  ledger: FakeLedger;
  escrow: FakeEscrow;
  upstream: StubUpstream;
  clock: Clock & { t: bigint };
  salt: Hex;
  close(): Promise<void>;
};

export async function startTestRelayer(
  overrides: Partial<AppConfig> & { forward?: UpstreamForwarder; dbPath?: string } = {},
): Promise<TestRelayer> {
  const key = generatePrivateKey();
  const domain = { chainId: CHAIN_ID, ledger: LEDGER };
  const signer = createReceiptSigner({ privateKey: key, domain, threads: 1 });
  const store = openSqliteStore(overrides.dbPath ?? ":memory:");
  const clock = { t: GENESIS + 1000n, now: () => clock.t };
  const ledger = new FakeLedger(privateKeyToAccount(key).address, domain, SCHEDULE, clock.t);
  const upstream = await startStubUpstream();
  const directory = new FakeDirectory();
  const escrow = new FakeEscrow();
  directory.models.push(
    {
      id: 1n,
      name: "pho-vi",
      locale: "vi-VN",
      communityId: 7n,
      builder: "0x00000000000000000000000000000000000000b1",
      registeredAt: GENESIS,
    },
    {
      id: 2n,
      name: "idle-model",
      locale: "en",
      communityId: 7n,
      builder: "0x00000000000000000000000000000000000000b2",
      registeredAt: GENESIS,
    },
  );
  directory.deployments.push({
    id: 11n,
    modelId: 1n,
    operator: "0x00000000000000000000000000000000000000c1",
    endpoint: upstream.url,
    active: true,
  });
  const salt: Hex = `0x${"11".repeat(32)}`;
  // Keep-alive connections, as startRelayer wires them.
  const connections = createUpstreamConnections();
  const app = createApp({
    store,
    signer,
    directory,
    ledger,
    escrow,
    forward:
      overrides.forward ??
      createUpstreamForwarder({ timeoutMs: 15_000, maxResponseBytes: 1 << 20, allowLoopback: true, connections }),
    clock,
    logger: pino({ level: process.env.KHO_TEST_LOG_LEVEL ?? "silent" }),
    metrics: createMetrics(),
    config: {
      userIdSalt: salt,
      maxBodyBytes: overrides.maxBodyBytes ?? 64 * 1024,
      rateLimit: overrides.rateLimit ?? { perCallerPerMinute: 10_000, perIpPerMinute: 100_000 },
      minSignerBalanceWei: overrides.minSignerBalanceWei ?? 10n ** 16n,
      maxBacklogAgeSeconds: overrides.maxBacklogAgeSeconds ?? 300,
      escrowBalanceTtlMs: overrides.escrowBalanceTtlMs ?? 2_000,
    },
  });
  return {
    app,
    store,
    signer,
    directory,
    ledger,
    escrow,
    upstream,
    clock,
    salt,
    async close() {
      connections.close();
      await upstream.close();
      await signer.close();
      await store.close();
    },
  };
}

/**
 * A batcher over the test relayer's store, ledger, escrow and clock, sealing at 3 receipts or 30 s
 * unless `config` says otherwise; `ledger` replaces the fake one (e.g. one that fails on purpose).
 */
export function createTestBatcher(
  r: TestRelayer,
  config: Partial<BatcherConfig> = {},
  ledger: LedgerClient = r.ledger,
): { batcher: Batcher; metrics: ReturnType<typeof createMetrics> } {
  const metrics = createMetrics();
  const batcher = new Batcher({
    store: r.store,
    ledger,
    escrow: r.escrow,
    clock: r.clock,
    logger: pino({ level: process.env.KHO_TEST_LOG_LEVEL ?? "silent" }),
    metrics,
    config: { maxReceipts: 3, maxAgeSeconds: 30, publicUrl: "http://relayer.test", ...config },
  });
  return { batcher, metrics };
}
