import { Router } from "express";
import type { RelayerMetrics } from "../metrics";
import type { RelayerStore } from "../store";
import { type HealthDeps, checkHealth } from "../services/health";
import { buildOpenApiDocument } from "../openapi";

export type OperationsDeps = HealthDeps & { metrics: RelayerMetrics; store: RelayerStore };

/** GET /health, /metrics and /openapi.json. */
export function operationsRouter(deps: OperationsDeps): Router {
  const router = Router();
  const openapi = JSON.stringify(buildOpenApiDocument());

  router.get("/health", async (_req, res) => {
    const report = await checkHealth(deps);
    res.status(report.status === "unavailable" ? 503 : 200).json(report);
  });

  router.get("/metrics", async (_req, res) => {
    const receipts = await deps.store.receipts.countByStatus();
    const batches = await deps.store.batches.countByStatus();
    deps.metrics.unbatchedReceipts.set(receipts.unbatched);
    deps.metrics.pendingBatches.set(batches.sealed + batches.submitted);
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  router.get("/openapi.json", (_req, res) => {
    res.type("application/json").send(openapi);
  });

  return router;
}
