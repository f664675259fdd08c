import { CLOCK_SKEW_TOLERANCE_SECONDS } from "../../protocol/clock-tolerance";
import type { ChainClockStatus } from "../chain/chain-clock";
import type { Clock, LedgerClient } from "../ports";
import type { UnhealthyDeployment } from "./deployment-health";
import type { MirrorStatus } from "./mirror-publisher";
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
    clock: {
      chainTime: string | null;
      skewSeconds: number | null;
      toleranceSeconds: number;
      lastReadAgeSeconds: number | null;
    } | null;
    /** Deployments the circuit breaker currently skips (other deployments serve their calls). */
    deployments: { unhealthy: UnhealthyDeployment[] };
    /** Batch file mirrors (KHO_BATCH_MIRRORS); empty when none is configured. */
    mirrors: MirrorStatus[];
  };
};

/** What the server knows about its chain link: the clock's state and whether chain id, schedule and role were checked. */
export type ChainLinkStatusSource = {
  status(): ChainClockStatus & { verified: boolean; verifyError: string | null };
};

/** A clock not refreshed for this long (seconds) is reported: receipts are dated on an old anchor. */
const CLOCK_STALE_SECONDS = 30;

export type HealthDeps = {
  store: RelayerStore;
  ledger: LedgerClient;
  clock: Clock;
  minSignerBalanceWei: bigint;
  /** Unbatched receipts older than this (seconds) mean batching is stuck. */
  maxBacklogAgeSeconds: number;
  batcher?: { lastError(): string | null };
  chain?: ChainLinkStatusSource;
  deployments?: { unhealthy(): UnhealthyDeployment[] };
  mirrors?: { status(): MirrorStatus[] };
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

function nowOrNull(clock: Clock): bigint | null {
  try {
    return clock.now();
  } catch {
    // A chain clock that was never read cannot date anything; the chain checks report why.
    return null;
  }
}

/**
 * "unavailable" only when receipts cannot be stored (serving would lose them). A chain outage or a
 * low balance is "degraded": inference still works and batches queue until the chain is back.
 */
export async function checkHealth(deps: HealthDeps): Promise<HealthReport> {
  const reasons: string[] = [];
  const writable = await deps.store.isWritable();
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
    receipts = await deps.store.receipts.countByStatus();
    const batches = await deps.store.batches.countByStatus();
    pendingBatches = batches.sealed + batches.submitted;
    const oldest = (await deps.store.receipts.backlog(deps.ledger.relayer))[0]?.oldestTimestamp ?? null;
    age = oldest === null ? null : Number(nowOrNull(deps.clock) ?? oldest) - Number(oldest);
  } catch {
    if (writable) reasons.push("the receipt store cannot be read");
  }
  if (receipts.expired > 0) reasons.push(`${receipts.expired} receipts expired before they were batched`);

  let clock: HealthReport["checks"]["clock"] = null;
  const link = deps.chain?.status();
  if (link) {
    const tolerance = Number(CLOCK_SKEW_TOLERANCE_SECONDS);
    clock = {
      chainTime: link.chainTime?.toString() ?? null,
      skewSeconds: link.skewSeconds,
      toleranceSeconds: tolerance,
      lastReadAgeSeconds: link.lastReadAgeSeconds,
    };
    if (!link.verified) {
      reasons.push(
        `the relayer has not reached the chain since it started${link.verifyError ? ` (${link.verifyError})` : ""}`,
      );
    }
    if (!link.known) reasons.push("the chain clock is unknown, so receipts cannot be dated");
    else if (link.lastReadAgeSeconds !== null && link.lastReadAgeSeconds > CLOCK_STALE_SECONDS) {
      reasons.push(`the chain clock was last read ${link.lastReadAgeSeconds} s ago`);
    }
    if (link.skewSeconds !== null && Math.abs(link.skewSeconds) > tolerance) {
      reasons.push(
        `the machine clock and the chain's differ by ${link.skewSeconds} s, beyond the ${tolerance} s tolerance`,
      );
    }
  }
  if (age !== null && age > deps.maxBacklogAgeSeconds) reasons.push(`receipts have waited ${age} s to be batched`);
  if (pendingBatches > 1) reasons.push(`${pendingBatches} sealed batches are waiting for the chain`);
  const lastError = deps.batcher?.lastError() ?? null;
  if (lastError) reasons.push("the last batch submission failed");
  const unhealthy = deps.deployments?.unhealthy() ?? [];
  if (unhealthy.length > 0) {
    reasons.push(`deployment(s) ${unhealthy.map((d) => d.deploymentId).join(", ")} are failing and skipped`);
  }
  const mirrors = deps.mirrors?.status() ?? [];
  for (const m of mirrors) {
    if (m.lastError !== null && m.pending > 0) {
      reasons.push(`${m.pending} batch file(s) are not yet on mirror ${m.mirror} (last upload failed: ${m.lastError})`);
    }
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
      clock,
      deployments: { unhealthy },
      mirrors,
    },
  };
}
