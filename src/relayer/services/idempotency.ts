import type { Hex } from "viem";
import { RelayerError } from "../errors";
import type { RelayerStore } from "../store";
import type { ReceiptWriter } from "../store/receipt-writer";

export type StoredResponse = { status: number; body: string };

export type IdempotencyOutcome =
  | { kind: "replay"; response: StoredResponse }
  | { kind: "owner"; complete(response: StoredResponse, alsoWrite?: () => void): Promise<void>; abandon(): void };

/**
 * Serializes requests that share an Idempotency-Key. The first one inserts a pending row and does
 * the work; concurrent ones wait for it in memory and then replay its stored response. When the
 * owner fails before producing a receipt the row is dropped and a waiter takes over, so a retry
 * after an upstream error is a real retry.
 */
export class IdempotencyGate {
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly store: RelayerStore,
    private readonly writer: ReceiptWriter,
  ) {
    // This process owns the database: a pending row at start-up was left by a process that died
    // mid-request, before any receipt was written with it.
    store.db.prepare("DELETE FROM idempotency_keys WHERE state = 'pending'").run();
  }

  async enter(caller: string, key: string, bodyHash: Hex, now: number): Promise<IdempotencyOutcome> {
    const mapKey = `${caller}\u0000${key}`;
    for (;;) {
      if (this.store.idempotency.reserve(caller, key, bodyHash, now)) {
        let release!: () => void;
        this.inFlight.set(
          mapKey,
          new Promise<void>((resolve) => {
            release = resolve;
          }),
        );
        const finish = () => {
          this.inFlight.delete(mapKey);
          release();
        };
        return {
          kind: "owner",
          complete: async (response, alsoWrite) => {
            try {
              // Waiters are released only once the stored response is durable, so they replay it.
              await this.writer.submit(() => {
                alsoWrite?.();
                this.store.idempotency.complete(caller, key, response.status, response.body);
              });
            } finally {
              finish();
            }
          },
          abandon: () => {
            try {
              this.store.idempotency.abandon(caller, key);
            } finally {
              finish();
            }
          },
        };
      }
      const existing = this.store.idempotency.get(caller, key);
      if (!existing) continue;
      if (existing.bodyHash !== bodyHash) {
        throw new RelayerError(
          "idempotency_key_reused",
          "This Idempotency-Key was already used with a different request body.",
        );
      }
      if (existing.state === "done")
        return { kind: "replay", response: { status: existing.status, body: existing.body } };
      const pending = this.inFlight.get(mapKey);
      if (!pending) {
        throw new RelayerError("idempotency_in_progress", "A request with this Idempotency-Key is still in progress.");
      }
      await pending;
    }
  }
}
