import type { Hex } from "viem";
import type { SqliteDatabase } from "./database";

export type IdempotencyRecord =
  | { state: "pending"; bodyHash: Hex; createdAt: number }
  | { state: "done"; bodyHash: Hex; createdAt: number; status: number; body: string };

type Row = {
  body_hash: string;
  state: "pending" | "done";
  response_status: number | null;
  response_body: string | null;
  created_at: number;
};

/**
 * Idempotency keys, scoped to the caller. A request reserves its key with an insert before doing
 * any work, so of many concurrent requests with one key exactly one proceeds.
 */
export class IdempotencyRepo {
  constructor(private readonly db: SqliteDatabase) {}

  /** Inserts a pending reservation; false when the key already has a row. */
  reserve(caller: string, key: string, bodyHash: Hex, at: number): boolean {
    return (
      this.db
        .prepare(
          "INSERT OR IGNORE INTO idempotency_keys (caller, key, body_hash, state, created_at) VALUES (?, ?, ?, 'pending', ?)",
        )
        .run(caller, key, bodyHash, at).changes === 1
    );
  }

  get(caller: string, key: string): IdempotencyRecord | null {
    const row = this.db
      .prepare<[string, string], Row>(
        "SELECT body_hash, state, response_status, response_body, created_at FROM idempotency_keys WHERE caller = ? AND key = ?",
      )
      .get(caller, key);
    if (!row) return null;
    if (row.state === "done" && row.response_status !== null && row.response_body !== null) {
      return {
        state: "done",
        bodyHash: row.body_hash as Hex,
        createdAt: row.created_at,
        status: row.response_status,
        body: row.response_body,
      };
    }
    return { state: "pending", bodyHash: row.body_hash as Hex, createdAt: row.created_at };
  }

  /** Takes over a reservation left pending by a crashed process. */
  retake(caller: string, key: string, at: number): void {
    this.db
      .prepare("UPDATE idempotency_keys SET created_at = ? WHERE caller = ? AND key = ? AND state = 'pending'")
      .run(at, caller, key);
  }

  complete(caller: string, key: string, status: number, body: string): void {
    this.db
      .prepare(
        "UPDATE idempotency_keys SET state = 'done', response_status = ?, response_body = ? WHERE caller = ? AND key = ?",
      )
      .run(status, body, caller, key);
  }

  /** Drops a reservation whose request failed before producing a receipt, so the client may retry. */
  abandon(caller: string, key: string): void {
    this.db.prepare("DELETE FROM idempotency_keys WHERE caller = ? AND key = ? AND state = 'pending'").run(caller, key);
  }
}
