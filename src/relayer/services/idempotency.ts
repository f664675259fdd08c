import type { Hex } from "viem";
import { RelayerError } from "../errors";
import type { RelayerStore, StoreTx } from "../store";
import type { ReceiptWriter } from "../store/receipt-writer";

export type StoredResponse = { status: number; body: string };

export type IdempotencyOutcome =
  | { kind: "replay"; response: StoredResponse }
  | {
      kind: "owner";
      complete(response: StoredResponse, alsoWrite?: (tx: StoreTx) => Promise<void>): Promise<void>;
      abandon(): Promise<void>;
    };

export type IdempotencyGateOptions = {
  /** This process's name on the keys it holds (its relayer address). */
  owner: string;
  /** How long a request waits for another replica's request with the same key (ms; default 60 s). */
  waitMs?: number;
  /** How often it looks at that request's row meanwhile (ms). */
  pollMs?: number;
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Serializes requests that share an Idempotency-Key. The first one inserts a pending row and does
 * the work; concurrent ones on this process wait for it in memory, those on another replica watch
 * its row, and then replay its stored response. When the owner fails before producing a receipt
 * the row is dropped and a waiter takes over, so a retry after an upstream error is a real retry.
 */
export class IdempotencyGate {
  private readonly inFlight = new Map<string, Promise<void>>();

  /** Pending keys a crashed process left are dropped at its next start (startRelayer), not here. */
  constructor(
    private readonly store: RelayerStore,
    private readonly writer: ReceiptWriter,
    private readonly options: IdempotencyGateOptions,
  ) {}

  async enter(caller: string, key: string, bodyHash: Hex, now: number): Promise<IdempotencyOutcome> {
    const mapKey = `${caller}\u0000${key}`;
    const giveUpAt = Date.now() + (this.options.waitMs ?? 60_000);
    for (;;) {
      if (await this.store.idempotency.reserve(caller, key, bodyHash, this.options.owner, now)) {
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
              await this.writer.submit(async (tx) => {
                await alsoWrite?.(tx);
                await tx.idempotency.complete(caller, key, response.status, response.body);
              });
            } finally {
              finish();
            }
          },
          abandon: async () => {
            try {
              await this.store.idempotency.abandon(caller, key);
            } finally {
              finish();
            }
          },
        };
      }
      const existing = await this.store.idempotency.get(caller, key);
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
      if (pending) {
        await pending;
        continue;
      }
      // Another replica holds the key (or this process held it before a crash and has not cleaned
      // up yet): watch its row until it is done or dropped.
      if (Date.now() >= giveUpAt) {
        throw new RelayerError("idempotency_in_progress", "A request with this Idempotency-Key is still in progress.");
      }
      await sleep(this.options.pollMs ?? 50);
    }
  }
}
