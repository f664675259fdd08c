import type { RelayerStore } from "./index";
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

type Pending = { write: () => void; resolve: () => void; reject: (error: unknown) => void };

export class ReceiptWriterError extends KhoError {
  override readonly name = "ReceiptWriterError";
  readonly code = "receipt_write_failed";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const DEFAULT_MAX_PENDING = 64;

/**
 * Group commit for the writes that make a request's receipt durable. Every write submitted in one
 * event-loop turn runs in a single IMMEDIATE transaction, so many requests share one
 * `synchronous = FULL` fsync. A submission's promise settles only after that transaction has
 * committed (or failed), so a caller that awaits it before answering still answers only with a
 * durable receipt. Each write runs under its own SAVEPOINT: one that throws (a duplicate receipt,
 * say) is rolled back and rejected alone while the others commit.
 */
export class ReceiptWriter {
  private queue: Pending[] = [];
  private scheduled: NodeJS.Immediate | null = null;
  private readonly maxPending: number;
  // A transaction function called inside another runs as a SAVEPOINT in better-sqlite3: when a
  // write throws, only its own statements are rolled back.
  private readonly asSavepoint: (write: () => void) => void;
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
    this.asSavepoint = store.db.transaction((write: () => void) => write());
  }

  /** Runs `write` (synchronous better-sqlite3 statements) in the next group transaction; resolves once committed. */
  submit(write: () => void): Promise<void> {
    if (typeof write !== "function") {
      return Promise.reject(new ReceiptWriterError("submit needs a function that performs the writes."));
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ write, resolve, reject });
      if (this.queue.length >= this.maxPending) this.flush();
      else this.scheduled ??= setImmediate(() => this.flush());
    });
  }

  stats(): ReceiptWriterStats {
    return { ...this.counters };
  }

  /** Writes everything queued now, in one transaction. Safe to call when nothing is queued. */
  flush(): void {
    if (this.scheduled) {
      clearImmediate(this.scheduled);
      this.scheduled = null;
    }
    const items = this.queue;
    this.queue = [];
    if (items.length === 0) return;

    const outcomes: Outcome[] = [];
    try {
      this.store.transaction(() => {
        for (const item of items) {
          try {
            this.asSavepoint(item.write);
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
