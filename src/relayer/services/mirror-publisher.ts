import type { Logger } from "pino";
import type { Address, Hex } from "viem";
import { keccak256Hex } from "../../protocol/keccak";
import { type Mirror, hasMirrorObject, putMirrorObject } from "../../protocol/mirror";
import type { RelayerMetrics } from "../metrics";
import type { RelayerStore } from "../store";

/** What /health says about one mirror. */
export type MirrorStatus = {
  mirror: string;
  /** Batch files waiting to be stored on this mirror. */
  pending: number;
  /** Why the last upload to this mirror failed; null once one succeeded again. */
  lastError: string | null;
};

export type MirrorPublisherDeps = {
  store: RelayerStore;
  relayer: Address;
  mirrors: readonly Mirror[];
  logger: Logger;
  metrics: RelayerMetrics;
  /** Timer period in milliseconds (default 1000). */
  tickMs?: number;
};

type Upload = { batchId: bigint; hash: Hex; attempts: number; nextAttemptAt: number };

/** Batch ids read from the store per tick: a relayer restarted on a long history catches up in steps. */
const SCAN_PER_TICK = 256n;
const MAX_BACKOFF_MS = 5 * 60_000;
const UPLOAD_TIMEOUT_MS = 15_000;

/**
 * Copies every batch file this relayer seals to each configured mirror under its dataHash
 * (docs/operations.md "Mirrors"). It runs beside the batcher and never holds it up: committing
 * does not wait for mirrors. A failed upload is retried with backoff for as long as the batch
 * exists, counted in kho_relayer_mirror_uploads_total{outcome="failed"}, kept in
 * kho_relayer_mirror_pending_files and reported by /health; nothing is given up silently.
 *
 * What was uploaded is known only to this process, so after a restart every batch is checked
 * again (a file already on a mirror is not sent twice). Sealed batches are uploaded before they
 * are committed: a batch later renumbered leaves an unreferenced file, which costs space, not
 * correctness (mirrors are content-addressed).
 */
export class MirrorPublisher {
  /** Lowest batch id not yet known to be committed and stored on every mirror. */
  private scanFrom = 1n;
  /** Per mirror: uploads waiting or retrying, by hash. */
  private readonly queues: Map<Hex, Upload>[];
  /** Per mirror: hashes stored at or after scanFrom (by batch id), forgotten once scanFrom passes them. */
  private readonly stored: Map<Hex, bigint>[];
  private readonly errors: (string | null)[];
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly deps: MirrorPublisherDeps) {
    this.queues = deps.mirrors.map(() => new Map());
    this.stored = deps.mirrors.map(() => new Map());
    this.errors = deps.mirrors.map(() => null);
  }

  status(): MirrorStatus[] {
    return this.deps.mirrors.map((mirror, i) => ({
      mirror: mirror.label,
      pending: this.queues[i]!.size,
      lastError: this.errors[i]!,
    }));
  }

  start(): void {
    if (this.timer || this.deps.mirrors.length === 0) return;
    this.timer = setInterval(() => void this.tick(), this.deps.tickMs ?? 1000);
    this.timer.unref();
  }

  /** Stops the timer and makes one last attempt at every waiting upload (shutdown). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.running) await this.running;
    await this.tick({ force: true });
  }

  /** Queues new batches and uploads what is due; never throws (failures are counted and retried). */
  tick(options: { force?: boolean } = {}): Promise<void> {
    if (this.running) return this.running;
    this.running = this.runOnce(options.force ?? false).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async runOnce(force: boolean): Promise<void> {
    if (this.deps.mirrors.length === 0) return;
    try {
      await this.scan();
    } catch (error) {
      // The store is busy or closed: nothing new is queued this time, what is queued still goes.
      this.deps.logger.warn({ err: error }, "could not read sealed batches for the mirrors");
    }
    await Promise.all(this.deps.mirrors.map((_, i) => this.drain(i, force)));
  }

  /** Queues every batch from scanFrom on that some mirror lacks; moves scanFrom past committed, fully stored ones. */
  private async scan(): Promise<void> {
    const { store, relayer } = this.deps;
    const last = await store.batches.maxBatchId(relayer);
    const end = last < this.scanFrom + SCAN_PER_TICK ? last : this.scanFrom + SCAN_PER_TICK - 1n;
    let settled = true;
    for (let id = this.scanFrom; id <= end; id++) {
      const batch = await store.batches.get(relayer, id);
      if (batch === null) {
        // A gap is a batch the batcher deleted and will re-seal under this id: look again later.
        settled = false;
        continue;
      }
      let everywhere = true;
      this.queues.forEach((queue, i) => {
        if (this.stored[i]!.has(batch.dataHash)) return;
        everywhere = false;
        if (!queue.has(batch.dataHash))
          queue.set(batch.dataHash, { batchId: id, hash: batch.dataHash, attempts: 0, nextAttemptAt: 0 });
      });
      // Only a committed batch is final: an unconfirmed id may still be re-sealed with other receipts.
      if (settled && everywhere && batch.status === "confirmed") this.scanFrom = id + 1n;
      else settled = false;
    }
    if (settled && end === last && this.scanFrom <= end) this.scanFrom = end + 1n;
    for (const stored of this.stored) for (const [hash, id] of stored) if (id < this.scanFrom) stored.delete(hash);
    this.deps.mirrors.forEach((mirror, i) =>
      this.deps.metrics.mirrorPendingFiles.set({ mirror: mirror.label }, this.queues[i]!.size),
    );
  }

  private async drain(i: number, force: boolean): Promise<void> {
    const { store, relayer, logger, metrics } = this.deps;
    const mirror = this.deps.mirrors[i]!;
    const queue = this.queues[i]!;
    for (const upload of [...queue.values()]) {
      if (!force && Date.now() < upload.nextAttemptAt) continue;
      const file = await store.batches.file(relayer, upload.batchId);
      if (file === null || keccak256Hex(file) !== upload.hash.toLowerCase()) {
        // The batch was released before it was committed (its receipts are re-sealed under a new
        // hash, queued on its own): no committed file is lost by forgetting this one.
        queue.delete(upload.hash);
        logger.debug(
          { batchId: upload.batchId.toString(), hash: upload.hash },
          "mirror upload of a released batch skipped",
        );
        continue;
      }
      try {
        if (await hasMirrorObject(mirror, upload.hash, { timeoutMs: UPLOAD_TIMEOUT_MS })) {
          metrics.mirrorUploads.inc({ mirror: mirror.label, outcome: "present" });
        } else {
          await putMirrorObject(mirror, upload.hash, file, { timeoutMs: UPLOAD_TIMEOUT_MS });
          metrics.mirrorUploads.inc({ mirror: mirror.label, outcome: "stored" });
          logger.info({ mirror: mirror.label, batchId: upload.batchId.toString() }, "batch file stored on mirror");
        }
        queue.delete(upload.hash);
        this.stored[i]!.set(upload.hash, upload.batchId);
        this.errors[i] = null;
      } catch (error) {
        upload.attempts++;
        upload.nextAttemptAt = Date.now() + Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(upload.attempts, 9));
        const message = error instanceof Error ? error.message.split("\n")[0]! : String(error);
        this.errors[i] = message;
        metrics.mirrorUploads.inc({ mirror: mirror.label, outcome: "failed" });
        logger.warn(
          { mirror: mirror.label, batchId: upload.batchId.toString(), attempts: upload.attempts, err: message },
          "batch file upload to mirror failed; will retry",
        );
      }
    }
    metrics.mirrorPendingFiles.set({ mirror: mirror.label }, queue.size);
  }
}
