import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export type RelayerMetrics = ReturnType<typeof createMetrics>;

/** One registry per app instance (tests build many apps in one process). */
export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: "kho_relayer_" });
  return {
    registry,
    httpRequests: new Counter({
      name: "kho_relayer_http_requests_total",
      help: "HTTP requests by route and status code.",
      labelNames: ["method", "route", "status"] as const,
      registers: [registry],
    }),
    receiptsSigned: new Counter({
      name: "kho_relayer_receipts_signed_total",
      help: "Receipts signed and persisted.",
      registers: [registry],
    }),
    receiptsExpired: new Counter({
      name: "kho_relayer_receipts_expired_total",
      help: "Receipts whose epoch submission window closed before they were committed on-chain.",
      registers: [registry],
    }),
    receiptsDropped: new Counter({
      name: "kho_relayer_receipts_dropped_total",
      help: "Receipts signed but never acknowledged because the store could not persist them, by reason.",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    attributionRejected: new Counter({
      name: "kho_relayer_attribution_rejected_total",
      help: "Calls served whose backend reported an invalid kho_attribution (malformed or oversized): they attribute nothing.",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    batchesSealed: new Counter({
      name: "kho_relayer_batches_sealed_total",
      help: "Batches sealed.",
      registers: [registry],
    }),
    batchesConfirmed: new Counter({
      name: "kho_relayer_batches_confirmed_total",
      help: "Batches confirmed on-chain.",
      registers: [registry],
    }),
    batchSubmitErrors: new Counter({
      name: "kho_relayer_batch_submit_errors_total",
      help: "Failed attempts to submit or confirm a batch.",
      registers: [registry],
    }),
    paymentRejections: new Counter({
      name: "kho_relayer_payment_rejections_total",
      help: "Calls refused before forwarding because they were not paid for, by reason.",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    batchesSettled: new Counter({
      name: "kho_relayer_batches_settled_total",
      help: "Confirmed batches whose fees FeeEscrow settled (free batches are not counted).",
      registers: [registry],
    }),
    feesSettled: new Counter({
      name: "kho_relayer_fees_settled_kho_total",
      help: "Fees charged to payers by settled batches, in KHO (a float: use the batch files for exact amounts).",
      registers: [registry],
    }),
    settlementErrors: new Counter({
      name: "kho_relayer_settlement_errors_total",
      help: "Failed attempts to settle a confirmed batch's fees.",
      registers: [registry],
    }),
    upstreamLatency: new Histogram({
      name: "kho_relayer_upstream_latency_seconds",
      help: "Upstream chat completion latency by outcome.",
      labelNames: ["outcome"] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [registry],
    }),
    signingLatency: new Histogram({
      name: "kho_relayer_signing_latency_seconds",
      help: "Time to hash and sign receipts in the worker pool.",
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    unhealthyDeployments: new Gauge({
      name: "kho_relayer_deployment_unhealthy",
      help: "1 while a deployment's circuit breaker is open (it is skipped), 0 once it served again.",
      labelNames: ["deployment"] as const,
      registers: [registry],
    }),
    upstreamFailovers: new Counter({
      name: "kho_relayer_upstream_failovers_total",
      help: "Calls a deployment failed before any byte reached the caller, handed to another deployment.",
      registers: [registry],
    }),
    unbatchedReceipts: new Gauge({
      name: "kho_relayer_unbatched_receipts",
      help: "Receipts waiting to be batched.",
      registers: [registry],
    }),
    mirrorUploads: new Counter({
      name: "kho_relayer_mirror_uploads_total",
      help: "Batch file uploads to mirrors by mirror and outcome (stored, present: already there, failed: retried).",
      labelNames: ["mirror", "outcome"] as const,
      registers: [registry],
    }),
    mirrorPendingFiles: new Gauge({
      name: "kho_relayer_mirror_pending_files",
      help: "Batch files not yet stored on a mirror (waiting or being retried), by mirror.",
      labelNames: ["mirror"] as const,
      registers: [registry],
    }),
    pendingBatches: new Gauge({
      name: "kho_relayer_pending_batches",
      help: "Sealed batches not yet confirmed on-chain.",
      registers: [registry],
    }),
  };
}
