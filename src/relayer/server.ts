import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino, { type Logger } from "pino";
import { type AppDeps, createApp } from "./app";
import { createChainModelDirectory } from "./chain/chain-model-directory";
import { ChainClock } from "./chain/chain-clock";
import {
  buildRelayerChainClients,
  createRelayerChainClients,
  isChainUnreachable,
  verifyChainId,
} from "./chain/viem-clients";
import { createViemFeeEscrowClient } from "./chain/viem-fee-escrow-client";
import { createViemLedgerClient } from "./chain/viem-ledger-client";
import type { RelayerConfig } from "./config";
import { createMetrics } from "./metrics";
import { createRelayerHttpServer } from "./http/http-server";
import type { Clock } from "./ports";
import { createBatchBuilder } from "./services/batch-builder";
import { Batcher, type BatcherHooks } from "./services/batcher";
import { MirrorPublisher } from "./services/mirror-publisher";
import { createUpstreamForwarder } from "./services/upstream-forwarder";
import { createReceiptSigner } from "./signer/signer";
import { createUpstreamConnections } from "./upstream/forward-chat-completion";
import { openStore } from "./store";

export type RunningRelayer = {
  /** Base URL the relayer listens on (the real port when config.port was 0). */
  url: string;
  server: Server;
  batcher: Batcher;
  /** Copies sealed batch files to KHO_BATCH_MIRRORS (does nothing without mirrors). */
  mirrors: MirrorPublisher;
  /** Stops accepting, lets in-flight requests finish, flushes the batch queue once, closes the store. */
  close(): Promise<void>;
};

export type StartRelayerOptions = {
  logger?: Logger;
  clock?: Clock;
  /** Install SIGINT/SIGTERM handlers that close the relayer (default false: the CLI opts in). */
  handleSignals?: boolean;
  /** Batcher timer period in ms (default 1000). */
  batcherTickMs?: number;
  /** Test-only batcher hooks (see test-hooks.ts); none in production. */
  batcherHooks?: BatcherHooks;
  /**
   * Rewires the app's dependencies before createApp. Only the relayer-throughput bench sets it, to
   * build its receipts-off baseline (bench/relayer/receipts-off.ts); the CLI never does, and no
   * configuration or environment variable reaches it.
   */
  adjustAppDeps?: (deps: AppDeps) => AppDeps;
};

/** How often the relayer retries the chain while it has not reached it. */
const CHAIN_RETRY_MS = 2_000;

/**
 * Wires the real dependencies (SQLite, worker signer, viem, upstream client), listens and starts the
 * batcher. With the chain id and epoch schedule known from the deployment file, an unreachable RPC
 * does not stop it: it comes up degraded (health says why, chat calls answer 503 with Retry-After)
 * and keeps trying until the chain answers.
 */
export async function startRelayer(config: RelayerConfig, options: StartRelayerOptions = {}): Promise<RunningRelayer> {
  const logger = options.logger ?? pino({ level: config.logLevel });
  const maxStaleSeconds = config.chainMaxStaleSeconds ?? 600;
  const clients =
    config.chainId !== undefined && config.schedule !== undefined
      ? buildRelayerChainClients({
          rpcUrl: config.rpcUrl,
          privateKey: config.relayerPrivateKey,
          chainId: config.chainId,
        })
      : await createRelayerChainClients({
          rpcUrl: config.rpcUrl,
          privateKey: config.relayerPrivateKey,
          expectedChainId: config.chainId,
        });
  const ledger = await createViemLedgerClient({
    clients,
    ledger: config.contracts.usageLedger,
    schedule: config.schedule,
  });
  const chainClock = new ChainClock({ readBlockTime: () => ledger.chainTime(), maxStaleSeconds });
  const clock = options.clock ?? chainClock;
  // Chain id, schedule and role are checked once the chain answers; until then the relayer is degraded.
  const link = { verified: false, error: null as string | null };
  const connect = async (): Promise<boolean> => {
    try {
      await verifyChainId(clients, config.rpcUrl);
      await ledger.verify();
      if (!(await chainClock.refresh())) return false;
      link.verified = true;
      link.error = null;
      return true;
    } catch (error) {
      if (!isChainUnreachable(error)) throw error;
      link.error = error instanceof Error ? error.message.split("\n")[0]! : String(error);
      return false;
    }
  };
  if (!(await connect())) {
    logger.warn({ rpcUrl: config.rpcUrl, error: link.error }, "the chain is unreachable; starting degraded");
  }
  const directory = createChainModelDirectory({
    clients,
    registry: config.contracts.modelRegistry,
    ttlMs: config.modelCacheTtlSeconds * 1000,
    maxStaleMs: maxStaleSeconds * 1000,
    onBlock: (timestamp) => chainClock.observe(timestamp),
  });
  const escrow = createViemFeeEscrowClient({ clients, escrow: config.contracts.feeEscrow });
  const store = await openStore(config.dbPath);
  // Reservations and pending idempotency keys this relayer left when it died belong to calls that
  // died with it: none got a receipt. Other replicas' rows (PostgreSQL) are theirs and stay.
  const abandoned = await store.fees.releaseAllOf(ledger.relayer);
  if (abandoned > 0) logger.warn({ reservations: abandoned }, "released fee reservations of calls cut off by a crash");
  await store.idempotency.abandonPendingOf(ledger.relayer);
  const signer = createReceiptSigner({
    privateKey: config.relayerPrivateKey,
    domain: ledger.domain,
    threads: config.signerThreads,
  });
  const metrics = createMetrics({ defaultMetrics: true });
  const batchBuilder = createBatchBuilder();
  const batcher = new Batcher({
    store,
    ledger,
    escrow,
    clock,
    logger: logger.child({ component: "batcher" }),
    metrics,
    hooks: options.batcherHooks,
    files: batchBuilder,
    config: {
      maxReceipts: config.batch.maxReceipts,
      maxAgeSeconds: config.batch.maxAgeSeconds,
      publicUrl: config.publicUrl,
      tickMs: options.batcherTickMs,
    },
  });
  const mirrors = new MirrorPublisher({
    store,
    relayer: ledger.relayer,
    mirrors: config.batchMirrors ?? [],
    logger: logger.child({ component: "mirrors" }),
    metrics,
    tickMs: options.batcherTickMs,
  });
  const upstreamConnections = createUpstreamConnections();
  const appDeps: AppDeps = {
    mirrors,
    chain: {
      status: () => ({
        ...chainClock.status(),
        verified: link.verified,
        verifyError: link.error,
      }),
    },
    store,
    signer,
    directory,
    ledger,
    escrow,
    forward: createUpstreamForwarder({
      timeoutMs: config.upstream.timeoutMs,
      maxResponseBytes: config.upstream.maxResponseBytes,
      allowLoopback: config.upstream.allowLoopback,
      blockedPorts: config.upstreamBlockedPorts,
      deploymentSettings: config.upstream.deploymentSettings,
      connections: upstreamConnections,
    }),
    clock,
    logger,
    metrics,
    batcher,
    config: {
      userIdSalt: config.userIdSalt,
      maxBodyBytes: config.maxBodyBytes,
      rateLimit: config.rateLimit,
      minSignerBalanceWei: config.minSignerBalanceWei,
      maxBacklogAgeSeconds: Math.max(60, config.batch.maxAgeSeconds * 4),
      escrowBalanceTtlMs: config.escrowBalanceCacheMs,
    },
  };
  const app = createApp(options.adjustAppDeps ? options.adjustAppDeps(appDeps) : appDeps);

  const limits = config.server ?? {
    headersTimeoutMs: 10_000,
    requestTimeoutMs: config.upstream.timeoutMs + 30_000,
    keepAliveTimeoutMs: 5_000,
    maxConnectionsPerIp: 64,
  };
  const server = createRelayerHttpServer(app, limits);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
  chainClock.start();
  batcher.start();
  void batcher.tick();
  mirrors.start();
  let retry: NodeJS.Timeout | null = null;
  if (!link.verified) {
    retry = setInterval(() => {
      connect().then(
        (ok) => {
          if (!ok || !retry) return;
          clearInterval(retry);
          retry = null;
          logger.info({ rpcUrl: config.rpcUrl }, "the chain is reachable again; catching up");
          void directory.refresh().catch(() => undefined);
          void batcher.retryNow();
        },
        (error: unknown) => logger.error({ err: error }, "the chain answered but the relayer cannot use it"),
      );
    }, CHAIN_RETRY_MS);
    retry.unref();
  }
  logger.info(
    { url, relayer: ledger.relayer, ledger: ledger.domain.ledger, chainId: ledger.domain.chainId },
    "relayer listening",
  );

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      logger.info("relayer shutting down");
      if (retry) clearInterval(retry);
      chainClock.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      upstreamConnections.close();
      await batcher.stop();
      await batcher.flush();
      await batchBuilder.close();
      // One last attempt so what was just sealed leaves the machine; failures are logged, not fatal.
      await mirrors.stop();
      directory.close();
      await signer.close();
      await store.close();
      logger.info("relayer stopped");
    })();
    return closing;
  };

  if (options.handleSignals) {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info({ signal }, "signal received");
      close().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, "shutdown failed");
          process.exit(1);
        },
      );
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
  }

  return { url, server, batcher, mirrors, close };
}
