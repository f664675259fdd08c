import type { Logger } from "pino";
import { type Address, type Hex, getAddress } from "viem";
import { epochAt, epochEnd, epochStart, hashBatchHeader } from "../../protocol";
import type { RelayerMetrics } from "../metrics";
import type { Clock, FeeEscrowClient, LedgerClient } from "../ports";
import type { RelayerStore, StoredBatch } from "../store";
import { type BuildBatchParameters, buildBatch } from "./batch-file";
import type { BatchFiles } from "./batch-builder";
import { settleConfirmedBatches } from "./settlement";

export type BatcherConfig = {
  /** Seal as soon as this many unbatched receipts of one epoch wait. */
  maxReceipts: number;
  /** Seal once the oldest unbatched receipt of an epoch is this old (seconds). */
  maxAgeSeconds: number;
  /** Base URL batch files are served from; data URIs are `<publicUrl>/v1/batches/<relayer>/<id>`. */
  publicUrl: string;
  /** Timer period in milliseconds (default 1000). */
  tickMs?: number;
};

/**
 * Test-only observation points (the crash test kills the process in one). Production wiring
 * passes none.
 */
export type BatcherHooks = {
  /** Runs right after submitBatch was broadcast, before the transaction is recorded in the store. */
  afterBroadcast?: (batchId: bigint, txHash: Hex) => void;
};

export type BatcherDeps = {
  store: RelayerStore;
  ledger: LedgerClient;
  escrow: FeeEscrowClient;
  clock: Clock;
  logger: Logger;
  metrics: RelayerMetrics;
  config: BatcherConfig;
  hooks?: BatcherHooks;
  /**
   * Builds batch files and reads their settlement; the relayer passes its worker thread
   * (createBatchBuilder), so neither blocks requests. Without it both run inline.
   */
  files?: BatchFiles;
};

const MAX_BACKOFF_MS = 60_000;

/**
 * Seals unbatched receipts into batches (one epoch per batch, by size, age or epoch end), stores
 * each batch file, commits them to UsageLedger strictly in batch-id order, then settles each
 * committed batch's fees in FeeEscrow (services/settlement.ts).
 *
 * Safety rules:
 * - Sealing reads the oldest unbatched receipts, builds their file (off the event loop), then
 *   stores the batch and moves its receipts into it in one transaction, which fails (and changes
 *   nothing) when one of them is no longer unbatched or the batch id was taken meanwhile: a receipt
 *   is in at most one batch, and a batch row exists exactly when its receipts point at it.
 * - Batch ids are `max(local max, chain lastBatchId) + 1`; nothing is sealed before the chain's
 *   last id was read once (reconcile), so a lost or stale database never reuses a committed id.
 * - Before (re)sending a batch the chain is asked for it: a batch already on-chain whose commitment
 *   is this batch's header hash (epoch, root, count, dataHash) is confirmed (this heals a crash between broadcast and bookkeeping); a
 *   different batch under our id means the local one never made it, so its receipts return to the
 *   queue and are re-sealed under fresh ids.
 * - A batch whose epoch window closed on-chain before it was committed cannot be committed ever:
 *   its receipts are marked `expired` (kept, logged, counted in kho_relayer_receipts_expired_total),
 *   and later unsent batches are re-sealed so the on-chain ids stay contiguous.
 */
export class Batcher {
  private chainLast: bigint | null = null;
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private failures = 0;
  private nextAttemptAt = 0;
  private error: string | null = null;

  constructor(private readonly deps: BatcherDeps) {
    if (deps.config.maxReceipts < 1 || deps.config.maxReceipts > 2 ** 32 - 1) {
      throw new RangeError("maxReceipts must be between 1 and 2^32 - 1");
    }
  }

  private get relayer() {
    return this.deps.ledger.relayer;
  }

  lastError(): string | null {
    return this.error;
  }

  /** Seals what is due and submits what is sealed; never throws (errors are logged and retried). */
  tick(options: { force?: boolean } = {}): Promise<void> {
    if (this.running) return this.running;
    this.running = this.runOnce(options).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Drops the backoff and ticks now: the chain just came back, the queue should not wait out a minute. */
  retryNow(): Promise<void> {
    this.nextAttemptAt = 0;
    return this.tick();
  }

  /** Seals everything (regardless of size and age) and submits; used at shutdown and in tests. */
  async flush(): Promise<void> {
    if (this.running) await this.running;
    await this.tick({ force: true });
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.deps.config.tickMs ?? 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.running) await this.running;
  }

  private async runOnce(options: { force?: boolean }): Promise<void> {
    const { logger } = this.deps;
    if (Date.now() < this.nextAttemptAt && !options.force) {
      // The chain is backing off; sealing is local and still happens once reconciled.
      if (this.chainLast !== null) await this.sealDue(options.force ?? false);
      return;
    }
    try {
      if (this.chainLast === null) this.chainLast = await this.deps.ledger.lastBatchId();
      // A round that re-queued receipts (conflict, gap or expiry) is followed by one that re-seals them.
      for (let round = 0; round < 3; round++) {
        await this.sealDue(options.force ?? false);
        await this.expireClosedBacklog();
        if (!(await this.submitPending())) break;
      }
      await settleConfirmedBatches({
        store: this.deps.store,
        escrow: this.deps.escrow,
        relayer: this.relayer,
        logger,
        metrics: this.deps.metrics,
        settlementOf: this.deps.files?.settlement,
      });
      this.failures = 0;
      this.error = null;
      this.nextAttemptAt = 0;
    } catch (error) {
      this.failures++;
      this.error = error instanceof Error ? error.message.split("\n")[0]! : String(error);
      this.nextAttemptAt = Date.now() + Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(this.failures, 6));
      this.deps.metrics.batchSubmitErrors.inc();
      logger.warn({ err: error, failures: this.failures }, "batch submission failed; will retry");
      // Even with the chain down, sealed batches keep queueing.
      if (this.chainLast !== null) await this.sealDue(options.force ?? false);
    }
  }

  private submissionCloses(epoch: bigint): bigint {
    return epochEnd(this.deps.ledger.schedule, epoch) + this.deps.ledger.schedule.batchGracePeriod;
  }

  /** Seals every due batch, each batch in its own transaction. Returns the new batches. */
  async sealDue(force: boolean): Promise<StoredBatch[]> {
    if (this.chainLast === null) return [];
    const { store, clock, ledger, config } = this.deps;
    let now: bigint;
    try {
      now = clock.now();
    } catch {
      // The chain clock is unknown or stale: sealing waits for it, the receipts stay queued.
      return [];
    }
    const schedule = ledger.schedule;
    const currentEpoch = now >= schedule.genesis ? epochAt(schedule, now) : 0n;
    const sealed: StoredBatch[] = [];
    for (const backlog of await store.receipts.backlog(this.relayer)) {
      // Closed epochs are expired (after asking the chain), never sealed.
      if (now >= this.submissionCloses(backlog.epoch)) continue;
      let remaining = backlog.count;
      const due = () =>
        force ||
        remaining >= config.maxReceipts ||
        backlog.epoch < currentEpoch ||
        now - backlog.oldestTimestamp >= BigInt(config.maxAgeSeconds);
      while (remaining > 0 && due()) {
        const batch = await this.sealOne(backlog.epoch);
        if (!batch) break;
        sealed.push(batch);
        remaining -= batch.count;
        // What is left of this epoch is younger; only size, a closed epoch or force seal it now.
        if (remaining < config.maxReceipts && !force && backlog.epoch >= currentEpoch) break;
      }
    }
    return sealed;
  }

  private async sealOne(epoch: bigint): Promise<StoredBatch | null> {
    const { store, ledger, config, metrics, logger } = this.deps;
    const receipts = await store.receipts.takeUnbatched(this.relayer, epoch, config.maxReceipts);
    if (receipts.length === 0) return null;
    const local = await store.batches.maxBatchId(this.relayer);
    const batchId = (local > this.chainLast! ? local : this.chainLast!) + 1n;
    const operators = new Map<bigint, Address>();
    for (const r of receipts) if (r.operator !== null) operators.set(r.receipt.deploymentId, r.operator);
    const params: BuildBatchParameters = {
      chainId: ledger.domain.chainId,
      ledger: ledger.domain.ledger,
      relayer: this.relayer,
      batchId,
      epoch,
      receipts,
      operators,
    };
    const built = this.deps.files ? await this.deps.files.build(params) : buildBatch(params);
    const dataURI = `${config.publicUrl}/v1/batches/${getAddress(this.relayer)}/${batchId}`;
    const batch = await store.transaction(async (tx) => {
      if ((await tx.batches.maxBatchId(this.relayer)) >= batchId) {
        throw new Error(`batch id ${batchId} was taken while the batch was being built`);
      }
      await tx.batches.insert({
        relayer: this.relayer,
        batchId,
        epoch,
        root: built.root,
        count: receipts.length,
        dataURI,
        dataHash: built.dataHash,
        file: built.bytes,
        sealedAt: Math.floor(Date.now() / 1000),
      });
      // Throws (rolling all of this back) when a receipt left the queue while the file was built.
      await tx.receipts.assignBatch(
        receipts.map((r) => r.seq),
        this.relayer,
        batchId,
      );
      return tx.batches.get(this.relayer, batchId);
    });
    if (batch) {
      metrics.batchesSealed.inc();
      logger.info(
        { batchId: batch.batchId.toString(), epoch: batch.epoch.toString(), count: batch.count },
        "batch sealed",
      );
    }
    return batch;
  }

  /** Unbatched receipts of epochs whose window the chain says has closed: marked expired, kept. */
  private async expireClosedBacklog(): Promise<void> {
    const { store, clock, ledger, metrics, logger } = this.deps;
    const now = clock.now();
    const closing = (await store.receipts.backlog(this.relayer)).filter((b) => now >= this.submissionCloses(b.epoch));
    if (closing.length === 0) return;
    const chainTime = await ledger.chainTime();
    for (const b of closing) {
      if (chainTime < this.submissionCloses(b.epoch)) continue;
      const n = await store.receipts.expireEpoch(this.relayer, b.epoch);
      metrics.receiptsExpired.inc(n);
      logger.error(
        { epoch: b.epoch.toString(), receipts: n },
        "receipts expired: their epoch closed before they were batched",
      );
    }
  }

  /** Submits sealed batches in id order; true when it re-queued receipts that need sealing again. */
  private async submitPending(): Promise<boolean> {
    const { store, ledger } = this.deps;
    for (const batch of await store.batches.unconfirmed(this.relayer)) {
      const outcome = await this.settle(batch);
      if (outcome === "confirmed") continue;
      if (outcome === "renumber") {
        await this.releaseUnsent(batch.batchId);
        return true;
      }
      if (outcome === "wait") return false;

      // outcome "send": nothing of ours is on-chain for this id yet.
      const last = await ledger.lastBatchId();
      this.chainLast = last;
      if (batch.batchId !== last + 1n) {
        this.deps.logger.warn(
          { batchId: batch.batchId.toString(), chainLast: last.toString() },
          "local batch ids are not contiguous with the chain; re-sealing unsent batches",
        );
        await this.releaseUnsent(batch.batchId);
        return true;
      }
      const chainTime = await ledger.chainTime();
      if (chainTime >= this.submissionCloses(batch.epoch)) {
        await this.expireBatch(batch);
        await this.releaseUnsent(batch.batchId + 1n);
        return true;
      }
      if (chainTime < epochStart(ledger.schedule, batch.epoch)) return false;

      const sent = await ledger.submitBatch({
        epoch: batch.epoch,
        batchId: batch.batchId,
        root: batch.root,
        count: batch.count,
        dataURI: batch.dataURI,
        dataHash: batch.dataHash,
      });
      this.deps.hooks?.afterBroadcast?.(batch.batchId, sent.txHash);
      await store.transaction(async (tx) => {
        await tx.batches.recordTx(this.relayer, batch.batchId, { ...sent, sentAt: Math.floor(Date.now() / 1000) });
        await tx.batches.markSubmitted(this.relayer, batch.batchId);
      });
      const status = await ledger.waitForTransaction(sent.txHash);
      if (status === "success") {
        await this.confirm(batch, sent.txHash);
        continue;
      }
      if (status === "pending") return false;
      await store.batches.recordError(this.relayer, batch.batchId, `submitBatch transaction ${sent.txHash} ${status}`);
      throw new Error(`submitBatch for batch ${batch.batchId} ${status} (tx ${sent.txHash})`);
    }
    return false;
  }

  /** What to do with an unconfirmed batch, judged from its recorded transactions and the chain. */
  private async settle(batch: StoredBatch): Promise<"confirmed" | "send" | "wait" | "renumber"> {
    const { store, ledger, logger } = this.deps;
    let minedTx: Hex | null = null;
    let pending = false;
    for (const tx of await store.batches.txs(this.relayer, batch.batchId)) {
      const status = await ledger.waitForTransaction(tx.txHash);
      if (status === "success") minedTx = tx.txHash;
      if (status === "pending") pending = true;
    }
    const onChain = await ledger.batchCommitment(batch.batchId);
    if (onChain) {
      const local = hashBatchHeader(batch);
      if (onChain.toLowerCase() === local.toLowerCase()) {
        await this.confirm(batch, minedTx);
        return "confirmed";
      }
      // Another writer with this key committed a different batch under our id: ours never landed.
      logger.error(
        { batchId: batch.batchId.toString(), localCommitment: local, chainCommitment: onChain },
        "a different batch holds this id on-chain; re-queueing its receipts",
      );
      return "renumber";
    }
    // A broadcast transaction may still land; sending a second one now could commit it twice.
    if (pending) return "wait";
    return "send";
  }

  private async confirm(batch: StoredBatch, txHash: Hex | null): Promise<void> {
    const { store, metrics, logger } = this.deps;
    await store.batches.markConfirmed(this.relayer, batch.batchId, txHash, Math.floor(Date.now() / 1000));
    if (this.chainLast === null || batch.batchId > this.chainLast) this.chainLast = batch.batchId;
    metrics.batchesConfirmed.inc();
    logger.info({ batchId: batch.batchId.toString(), txHash }, "batch confirmed on-chain");
  }

  private async expireBatch(batch: StoredBatch): Promise<void> {
    const { store, metrics, logger } = this.deps;
    const n = await store.transaction(async (tx) => {
      const count = await tx.receipts.expireBatch(this.relayer, batch.batchId);
      await tx.batches.delete(this.relayer, batch.batchId);
      return count;
    });
    metrics.receiptsExpired.inc(n);
    logger.error(
      { batchId: batch.batchId.toString(), epoch: batch.epoch.toString(), receipts: n },
      "receipts expired: their epoch's submission window closed before the batch was committed",
    );
  }

  /** Returns every unconfirmed batch from `fromId` on to the queue (none of them was sent). */
  private async releaseUnsent(fromId: bigint): Promise<void> {
    const { store } = this.deps;
    await store.transaction(async (tx) => {
      for (const b of await tx.batches.unconfirmed(this.relayer)) {
        if (b.batchId < fromId) continue;
        await tx.receipts.release(this.relayer, b.batchId);
        await tx.batches.delete(this.relayer, b.batchId);
      }
    });
  }
}
