import express, { type Express } from "express";
import pino, { type Logger } from "pino";
import { pinoHttp } from "pino-http";
import type { Hex } from "viem";
import { errorHandler, notFoundHandler } from "./http/errors-middleware";
import { createRateLimit, ipKey } from "./http/rate-limit";
import { genRequestId } from "./http/request-id";
import { securityHeaders } from "./http/security-headers";
import { type RelayerMetrics, createMetrics } from "./metrics";
import {
  type Clock,
  type FeeEscrowClient,
  type LedgerClient,
  type ModelDirectory,
  type UpstreamForwarder,
} from "./ports";
import { chatCompletionsRouter } from "./routes/chat-completions";
import { operationsRouter } from "./routes/operations";
import { publicReadsRouter } from "./routes/public-reads";
import { DeploymentHealth } from "./services/deployment-health";
import { DeploymentSelector } from "./services/deployment-selector";
import type { ChainLinkStatusSource } from "./services/health";
import type { MirrorStatus } from "./services/mirror-publisher";
import { FeeReservations } from "./services/fee-reservations";
import { IdempotencyGate } from "./services/idempotency";
import type { ReceiptSigner } from "./signer/signer";
import type { RelayerStore } from "./store";
import { ReceiptWriter } from "./store/receipt-writer";
import { KhoError } from "../protocol/errors";

export type AppConfig = {
  userIdSalt: Hex;
  maxBodyBytes: number;
  rateLimit: { perCallerPerMinute: number; perIpPerMinute: number };
  minSignerBalanceWei: bigint;
  /** Receipts older than this many seconds still unbatched make /health degraded. */
  maxBacklogAgeSeconds: number;
  /** How long a payer's FeeEscrow balance read from the chain is reused (ms). */
  escrowBalanceTtlMs: number;
};

export type AppDeps = {
  store: RelayerStore;
  signer: ReceiptSigner;
  directory: ModelDirectory;
  ledger: LedgerClient;
  escrow: FeeEscrowClient;
  forward: UpstreamForwarder;
  config: AppConfig;
  /** The chain's clock (server.ts wires a ChainClock): receipts, epochs and windows are dated by it. */
  clock: Clock;
  logger?: Logger;
  metrics?: RelayerMetrics;
  batcher?: { lastError(): string | null };
  /** The chain link's state for /health (clock skew, staleness, verification); none in unit tests. */
  chain?: ChainLinkStatusSource;
  /** Batch file mirror uploads for /health (server.ts wires a MirrorPublisher). */
  mirrors?: { status(): MirrorStatus[] };
};

export class AppConfigError extends KhoError {
  override readonly name = "AppConfigError";
  readonly code = "app_config_invalid";
}

/** Builds the relayer's HTTP app without listening (tests drive it with supertest). */
export function createApp(deps: AppDeps): Express {
  if (deps.signer.address !== deps.ledger.relayer) {
    throw new AppConfigError(
      `the signer ${deps.signer.address} is not the ledger client's relayer ${deps.ledger.relayer}`,
    );
  }
  if (
    BigInt(deps.signer.domain.chainId) !== BigInt(deps.ledger.domain.chainId) ||
    deps.signer.domain.ledger.toLowerCase() !== deps.ledger.domain.ledger.toLowerCase()
  ) {
    throw new AppConfigError("the signer and the ledger client use different EIP-712 domains");
  }
  const logger = deps.logger ?? pino({ level: "info" });
  const metrics = deps.metrics ?? createMetrics();
  const clock = deps.clock;

  const receiptWriter = new ReceiptWriter(deps.store);
  const deploymentHealth = new DeploymentHealth({ gauge: metrics.unhealthyDeployments });

  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", false);
  app.set("etag", false);

  app.use(
    pinoHttp({
      logger,
      genReqId: genRequestId,
      // Headers carry API keys and signatures: log only what identifies the request.
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  app.use(securityHeaders());
  app.use((req, res, next) => {
    res.on("finish", () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? "unmatched";
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  });
  app.use(
    createRateLimit({
      scope: "ip",
      perMinute: deps.config.rateLimit.perIpPerMinute,
      key: ipKey,
      counters: deps.store.rateLimits,
    }),
  );

  app.use(
    chatCompletionsRouter({
      store: deps.store,
      directory: deps.directory,
      selector: new DeploymentSelector(),
      health: deploymentHealth,
      forward: deps.forward,
      signer: deps.signer,
      schedule: deps.ledger.schedule,
      clock,
      userIdSalt: deps.config.userIdSalt,
      metrics,
      idempotency: new IdempotencyGate(deps.store, receiptWriter, { owner: deps.signer.address }),
      fees: new FeeReservations({
        store: deps.store,
        receiptWriter,
        escrow: deps.escrow,
        clock,
        metrics,
        balanceTtlMs: deps.config.escrowBalanceTtlMs,
        owner: deps.signer.address,
      }),
      receiptWriter,
      maxBodyBytes: deps.config.maxBodyBytes,
      perCallerPerMinute: deps.config.rateLimit.perCallerPerMinute,
    }),
  );
  app.use(publicReadsRouter({ store: deps.store, directory: deps.directory, signer: deps.signer }));
  app.use(
    operationsRouter({
      store: deps.store,
      ledger: deps.ledger,
      clock,
      minSignerBalanceWei: deps.config.minSignerBalanceWei,
      maxBacklogAgeSeconds: deps.config.maxBacklogAgeSeconds,
      batcher: deps.batcher,
      chain: deps.chain,
      deployments: deploymentHealth,
      mirrors: deps.mirrors,
      metrics,
    }),
  );
  app.use(notFoundHandler);
  app.use(errorHandler(logger, deps.config.maxBodyBytes));
  return app;
}
