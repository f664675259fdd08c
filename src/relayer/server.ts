import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino, { type Logger } from "pino";
import { createApp } from "./app";
import { createChainModelDirectory } from "./chain/chain-model-directory";
import { createRelayerChainClients } from "./chain/viem-clients";
import { createViemFeeEscrowClient } from "./chain/viem-fee-escrow-client";
import { createViemLedgerClient } from "./chain/viem-ledger-client";
import type { RelayerConfig } from "./config";
import { createMetrics } from "./metrics";
import { type Clock, systemClock } from "./ports";
import { Batcher, type BatcherHooks } from "./services/batcher";
import { createUpstreamForwarder } from "./services/upstream-forwarder";
import { createReceiptSigner } from "./signer/signer";
import { openStore } from "./store";

export type RunningRelayer = {
  /** Base URL the relayer listens on (the real port when config.port was 0). */
  url: string;
  server: Server;
  batcher: Batcher;
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
};

/** Wires the real dependencies (SQLite, worker signer, viem, upstream client), listens and starts the batcher. */
export async function startRelayer(config: RelayerConfig, options: StartRelayerOptions = {}): Promise<RunningRelayer> {
  const logger = options.logger ?? pino({ level: config.logLevel });
  const clock = options.clock ?? systemClock;
  const clients = await createRelayerChainClients({
    rpcUrl: config.rpcUrl,
    privateKey: config.relayerPrivateKey,
    expectedChainId: config.chainId,
  });
  const ledger = await createViemLedgerClient({ clients, ledger: config.contracts.usageLedger });
  const directory = createChainModelDirectory({
    clients,
    registry: config.contracts.modelRegistry,
    ttlMs: config.modelCacheTtlSeconds * 1000,
  });
  const escrow = createViemFeeEscrowClient({ clients, escrow: config.contracts.feeEscrow });
  const store = openStore(config.dbPath);
  // Reservations left by a previous process belong to calls that died with it: none got a receipt.
  const abandoned = store.fees.releaseAll();
  if (abandoned > 0) logger.warn({ reservations: abandoned }, "released fee reservations of calls cut off by a crash");
  const signer = createReceiptSigner({
    privateKey: config.relayerPrivateKey,
    domain: ledger.domain,
    threads: config.signerThreads,
  });
  const metrics = createMetrics({ defaultMetrics: true });
  const batcher = new Batcher({
    store,
    ledger,
    escrow,
    clock,
    logger: logger.child({ component: "batcher" }),
    metrics,
    hooks: options.batcherHooks,
    config: {
      maxReceipts: config.batch.maxReceipts,
      maxAgeSeconds: config.batch.maxAgeSeconds,
      publicUrl: config.publicUrl,
      tickMs: options.batcherTickMs,
    },
  });
  const app = createApp({
    store,
    signer,
    directory,
    ledger,
    escrow,
    forward: createUpstreamForwarder({
      timeoutMs: config.upstream.timeoutMs,
      maxResponseBytes: config.upstream.maxResponseBytes,
      allowLoopback: config.upstream.allowLoopback,
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
  });

  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
  batcher.start();
  void batcher.tick();
  logger.info(
    { url, relayer: ledger.relayer, ledger: ledger.domain.ledger, chainId: ledger.domain.chainId },
    "relayer listening",
  );

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      logger.info("relayer shutting down");
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await batcher.stop();
      await batcher.flush();
      directory.close();
      await signer.close();
      store.close();
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

  return { url, server, batcher, close };
}
