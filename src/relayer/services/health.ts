import type { Clock, LedgerClient } from "../ports";
import type { UnhealthyDeployment } from "./deployment-health";
import type { RelayerStore } from "../store";

export type HealthReport = {
  status: "ready" | "degraded" | "unavailable";
  reasons: string[];
  checks: {
    store: { writable: boolean };
    chain: { reachable: boolean; chainTime: string | null; error: string | null };
    signer: { address: string; balanceWei: string | null; minBalanceWei: string };
    backlog: {
      unbatchedReceipts: number;
      expiredReceipts: number;
      pendingBatches: number;
      oldestUnbatchedAgeSeconds: number | null;
    };
    batcher: { lastError: string | null };
    /** Deployments the circuit breaker currently skips (other deployments serve their calls). */
    deployments: { unhealthy: UnhealthyDeployment[] };
  };
};

export type HealthDeps = {
  store: RelayerStore;
  ledger: LedgerClient;
  clock: Clock;
  minSignerBalanceWei: bigint;
  /** Unbatched receipts older than this (seconds) mean batching is stuck. */
  maxBacklogAgeSeconds: number;
  batcher?: { lastError(): string | null };
  deployments?: { unhealthy(): UnhealthyDeployment[] };
};

const CHAIN_TIMEOUT_MS = 3_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * "unavailable" only when receipts cannot be stored (serving would lose them). A chain outage or a
 * low balance is "degraded": inference still works and batches queue until the chain is back.
 */
export async function checkHealth(deps: HealthDeps): Promise<HealthReport> {
  const reasons: string[] = [];
  const writable = deps.store.isWritable();
  if (!writable) reasons.push("the receipt store is not writable");

  let chainTime: bigint | null = null;
  let balance: bigint | null = null;
  let chainError: string | null = null;
  try {
    [chainTime, balance] = await withTimeout(
      Promise.all([deps.ledger.chainTime(), deps.ledger.balance()]),
      CHAIN_TIMEOUT_MS,
    );
  } catch (error) {
    chainError = error instanceof Error ? error.message.split("\n")[0]! : String(error);
    reasons.push("the chain RPC is unreachable");
  }
  if (balance !== null && balance < deps.minSignerBalanceWei) {
    reasons.push(`the relayer balance ${balance} wei is below ${deps.minSignerBalanceWei} wei`);
  }

  let receipts = { unbatched: 0, batched: 0, expired: 0 };
  let pendingBatches = 0;
  let age: number | null = null;
  try {
    receipts = deps.store.receipts.countByStatus();
    const batches = deps.store.batches.countByStatus();
    pendingBatches = batches.sealed + batches.submitted;
    const oldest = deps.store.receipts.backlog(deps.ledger.relayer)[0]?.oldestTimestamp ?? null;
    age = oldest === null ? null : Number(deps.clock.now() - oldest);
  } catch {
    if (writable) reasons.push("the receipt store cannot be read");
  }
  if (age !== null && age > deps.maxBacklogAgeSeconds) reasons.push(`receipts have waited ${age} s to be batched`);
  if (pendingBatches > 1) reasons.push(`${pendingBatches} sealed batches are waiting for the chain`);
  const lastError = deps.batcher?.lastError() ?? null;
  if (lastError) reasons.push("the last batch submission failed");
  const unhealthy = deps.deployments?.unhealthy() ?? [];
  if (unhealthy.length > 0) {
    reasons.push(`deployment(s) ${unhealthy.map((d) => d.deploymentId).join(", ")} are failing and skipped`);
  }

  return {
    status: !writable ? "unavailable" : reasons.length > 0 ? "degraded" : "ready",
    reasons,
    checks: {
      store: { writable },
      chain: { reachable: chainError === null, chainTime: chainTime?.toString() ?? null, error: chainError },
      signer: {
        address: deps.ledger.relayer,
        balanceWei: balance?.toString() ?? null,
        minBalanceWei: deps.minSignerBalanceWei.toString(),
      },
      backlog: {
        unbatchedReceipts: receipts.unbatched,
        expiredReceipts: receipts.expired,
        pendingBatches,
        oldestUnbatchedAgeSeconds: age,
      },
      batcher: { lastError },
      deployments: { unhealthy },
    },
  };
}
