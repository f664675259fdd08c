import type { RelayerStore, StoreTx } from "./types";
import { KhoError } from "../../protocol/errors";

export type ReceiptWriterOptions = {
  /** Flush at once when this many writes are waiting, without waiting for the event-loop turn to end. */
  maxPending?: number;
};

export type ReceiptWriterStats = {
  /** Transactions committed so far (one per flush that had something to write). */
  transactions: number;
  /** Writes committed so far. */
  committed: number;
  /** Writes rolled back alone (their savepoint) while the rest of their transaction committed. */
  rejected: number;
};

type Outcome = { ok: true } | { ok: false; error: unknown };

type Write = (tx: StoreTx) => Promise<void>;
type Pending = { write: Write; resolve: () => void; reject: (error: unknown) => void };

export class ReceiptWriterError extends KhoError {
  override readonly name = "ReceiptWriterError";
  readonly code = "receipt_write_failed";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const DEFAULT_MAX_PENDING = 64;

/**
 * The writes that make a request's receipt durable, each in a transaction whose commit the caller
 * awaits before answering (so it answers only with a durable receipt).
 *
 * On SQLite (store.groupCommit) this is group commit: every write submitted in one event-loop turn
 * runs in a single IMMEDIATE transaction, so many requests share one WAL fsync (run off the event
 * loop by the store, store/sqlite/wal-durability.ts).
 * Each write runs under its own SAVEPOINT: one that throws (a duplicate receipt, say) is rolled
 * back and rejected alone while the others commit. On PostgreSQL each write is its own transaction:
 * the server already groups WAL flushes, and a group would hold one payer's lock (fee checks) for
 * every write in it, serializing replicas behind each other.
 */
export class ReceiptWriter {
  private queue: Pending[] = [];
  private scheduled: NodeJS.Immediate | null = null;
  private readonly maxPending: number;
  private readonly counters: ReceiptWriterStats = { transactions: 0, committed: 0, rejected: 0 };

  constructor(
    private readonly store: RelayerStore,
    options: ReceiptWriterOptions = {},
  ) {
    const maxPending = options.maxPending ?? DEFAULT_MAX_PENDING;
    if (!Number.isSafeInteger(maxPending) || maxPending < 1) {
      throw new ReceiptWriterError(`maxPending must be a positive integer, got ${maxPending}.`);
    }
    this.maxPending = maxPending;
  }

  /** Runs `write` (using only `tx`) in the next transaction; resolves once that transaction committed. */
  submit(write: Write): Promise<void> {
    if (typeof write !== "function") {
      return Promise.reject(new ReceiptWriterError("submit needs a function that performs the writes."));
    }
    if (!this.store.groupCommit) return this.commitAlone(write);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ write, resolve, reject });
      if (this.queue.length >= this.maxPending) void this.flush();
      else this.scheduled ??= setImmediate(() => void this.flush());
    });
  }

  stats(): ReceiptWriterStats {
    return { ...this.counters };
  }

  private async commitAlone(write: Write): Promise<void> {
    let failedWrite = false;
    try {
      await this.store.transaction(async (tx) => {
        try {
          await write(tx);
        } catch (error) {
          failedWrite = true;
          throw error;
        }
      });
    } catch (error) {
      if (failedWrite) {
        this.counters.rejected += 1;
        throw error;
      }
      throw new ReceiptWriterError("The receipt transaction could not be committed.", { cause: error });
    }
    this.counters.transactions += 1;
    this.counters.committed += 1;
  }

  /** Writes everything queued now, in one transaction. Safe to call when nothing is queued. */
  async flush(): Promise<void> {
    if (this.scheduled) {
      clearImmediate(this.scheduled);
      this.scheduled = null;
    }
    const items = this.queue;
    this.queue = [];
    if (items.length === 0) return;

    const outcomes: Outcome[] = [];
    try {
      await this.store.transaction(async (tx) => {
        for (const item of items) {
          try {
            await tx.savepoint(() => item.write(tx));
            outcomes.push({ ok: true });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      // The transaction itself did not commit: nothing in it is durable.
      const failure = new ReceiptWriterError("The receipt transaction could not be committed.", { cause: error });
      for (const item of items) item.reject(failure);
      return;
    }
    this.counters.transactions += 1;
    items.forEach((item, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok === true) {
        this.counters.committed += 1;
        item.resolve();
      } else {
        this.counters.rejected += 1;
        item.reject(outcome?.error);
      }
    });
  }
}
