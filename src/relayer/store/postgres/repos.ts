import type { QueryConfig, QueryResult, QueryResultRow } from "pg";
import { type Address, type Hex, getAddress } from "viem";
import {
  type ApiKeyRow,
  BATCH_COLUMNS,
  type BatchRow,
  type IdempotencyRow,
  RECEIPT_INSERT_COLUMNS,
  RECEIPT_INSERT_COLUMN_COUNT,
  type ReceiptRow,
  apiKeyFromRow,
  batchFromRow,
  emptyBatchCounts,
  emptyReceiptCounts,
  idempotencyFromRow,
  receiptFromRow,
  receiptValues,
} from "../rows";
import type {
  ApiKeyRecord,
  ApiKeysStore,
  BatchStatus,
  BatchTx,
  BatchesStore,
  EpochBacklog,
  FeesStore,
  IdempotencyRecord,
  IdempotencyStore,
  NewBatch,
  NewReceipt,
  NoncesStore,
  RateLimitHit,
  RateLimitsStore,
  ReceiptStatus,
  ReceiptsStore,
  StoreRepos,
  StoredBatch,
  StoredReceipt,
  UnsettledBatch,
} from "../types";

/** The pool (each call its own transaction) or one checked-out client (inside a transaction). */
export type Queryable = {
  query<R extends QueryResultRow>(config: QueryConfig): Promise<QueryResult<R>>;
};

/**
 * Every statement the store runs, by name. node-postgres prepares a named statement once per
 * connection and reuses it (#13 measured re-preparing on each request).
 */
const SQL = {
  receipt_insert: `INSERT INTO receipts (${RECEIPT_INSERT_COLUMNS}, status)
    VALUES (${Array.from({ length: RECEIPT_INSERT_COLUMN_COUNT }, (_, i) => `$${i + 1}`).join(", ")}, 'unbatched') RETURNING seq`,
  receipt_find:
    "SELECT * FROM receipts WHERE request_id = $1 OR receipt_hash = $1 ORDER BY request_id = $1 DESC LIMIT 1",
  receipt_backlog: `SELECT epoch, COUNT(*) AS count, MIN(timestamp) AS oldest FROM receipts
    WHERE status = 'unbatched' AND signer = $1 GROUP BY epoch ORDER BY epoch`,
  receipt_take:
    "SELECT * FROM receipts WHERE status = 'unbatched' AND signer = $1 AND epoch = $2 ORDER BY seq LIMIT $3 FOR UPDATE",
  receipt_assign: `UPDATE receipts SET status = 'batched', batch_relayer = $1, batch_id = $2
    WHERE seq = ANY($3::bigint[]) AND status = 'unbatched'`,
  receipt_in_batch: "SELECT * FROM receipts WHERE batch_relayer = $1 AND batch_id = $2 ORDER BY seq",
  receipt_release: `UPDATE receipts SET status = 'unbatched', batch_relayer = NULL, batch_id = NULL
    WHERE batch_relayer = $1 AND batch_id = $2`,
  receipt_expire_batch: `UPDATE receipts SET status = 'expired', batch_relayer = NULL, batch_id = NULL
    WHERE batch_relayer = $1 AND batch_id = $2`,
  receipt_expire_epoch:
    "UPDATE receipts SET status = 'expired' WHERE status = 'unbatched' AND signer = $1 AND epoch = $2",
  receipt_counts: "SELECT status, COUNT(*) AS n FROM receipts GROUP BY status",

  batch_insert: `INSERT INTO batches (relayer, batch_id, epoch, root, count, data_uri, data_hash, file, status, sealed_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'sealed', $9)`,
  batch_get: `SELECT ${BATCH_COLUMNS} FROM batches WHERE relayer = $1 AND batch_id = $2`,
  batch_file: "SELECT file FROM batches WHERE relayer = $1 AND batch_id = $2",
  batch_max_id: "SELECT MAX(batch_id) AS m FROM batches WHERE relayer = $1",
  batch_unconfirmed: `SELECT ${BATCH_COLUMNS} FROM batches WHERE relayer = $1 AND status <> 'confirmed' ORDER BY batch_id`,
  batch_mark_submitted:
    "UPDATE batches SET status = 'submitted' WHERE relayer = $1 AND batch_id = $2 AND status = 'sealed'",
  batch_mark_confirmed: `UPDATE batches SET status = 'confirmed', confirmed_tx = $1, confirmed_at = $2, last_error = NULL
    WHERE relayer = $3 AND batch_id = $4`,
  batch_record_error: "UPDATE batches SET last_error = $1 WHERE relayer = $2 AND batch_id = $3",
  batch_record_tx: `INSERT INTO batch_txs (tx_hash, relayer, batch_id, nonce, sent_at) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (tx_hash) DO NOTHING`,
  batch_txs:
    "SELECT tx_hash, nonce, sent_at FROM batch_txs WHERE relayer = $1 AND batch_id = $2 ORDER BY sent_at, nonce",
  batch_delete: "DELETE FROM batches WHERE relayer = $1 AND batch_id = $2",
  batch_counts: "SELECT status, COUNT(*) AS n FROM batches GROUP BY status",

  api_key_insert:
    "INSERT INTO api_keys (id, key_hash, prefix, owner, label, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
  api_key_by_hash: "SELECT * FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL",
  api_key_get: "SELECT * FROM api_keys WHERE id = $1",
  api_key_list_owner: "SELECT * FROM api_keys WHERE owner = $1 ORDER BY created_at, id",
  api_key_list: "SELECT * FROM api_keys ORDER BY created_at, id",
  api_key_revoke: "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",

  nonce_claim: `INSERT INTO wallet_nonces ("user", nonce, used_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
  nonce_release: `DELETE FROM wallet_nonces WHERE "user" = $1 AND nonce = $2`,

  idem_reserve: `INSERT INTO idempotency_keys (caller, key, body_hash, state, owner, created_at)
    VALUES ($1, $2, $3, 'pending', $4, $5) ON CONFLICT DO NOTHING`,
  idem_get: `SELECT body_hash, state, owner, response_status, response_body, created_at FROM idempotency_keys
    WHERE caller = $1 AND key = $2`,
  idem_complete: `UPDATE idempotency_keys SET state = 'done', response_status = $1, response_body = $2
    WHERE caller = $3 AND key = $4`,
  idem_abandon: "DELETE FROM idempotency_keys WHERE caller = $1 AND key = $2 AND state = 'pending'",
  idem_abandon_owner: "DELETE FROM idempotency_keys WHERE state = 'pending' AND owner = $1",

  // Two transactions locking one payer queue here until the first commits; keyed by the payer's
  // address so unrelated payers never wait for each other.
  fee_lock_payer: "SELECT pg_advisory_xact_lock(hashtextextended('kho-fee-payer:' || $1, 0))",
  fee_spend: `SELECT (
      COALESCE((SELECT SUM(r.fee) FROM receipts r
        LEFT JOIN batch_settlements s ON s.relayer = r.batch_relayer AND s.batch_id = r.batch_id
        WHERE r.payer = $1 AND r.status <> 'expired' AND r.fee <> 0 AND s.batch_id IS NULL), 0)
      + COALESCE((SELECT SUM(amount) FROM fee_reservations WHERE payer = $1), 0)
    )::text AS amount`,
  fee_reserve:
    "INSERT INTO fee_reservations (request_id, payer, amount, owner, created_at) VALUES ($1, $2, $3, $4, $5)",
  fee_release: "DELETE FROM fee_reservations WHERE request_id = $1",
  fee_release_owner: "DELETE FROM fee_reservations WHERE owner = $1",
  fee_unsettled_batches: `SELECT b.batch_id FROM batches b
    LEFT JOIN batch_settlements s ON s.relayer = b.relayer AND s.batch_id = b.batch_id
    WHERE b.relayer = $1 AND b.status = 'confirmed' AND s.batch_id IS NULL ORDER BY b.batch_id`,
  fee_mark_settled:
    "INSERT INTO batch_settlements (relayer, batch_id, total, tx_hash, settled_at) VALUES ($1, $2, $3, $4, $5)",
  fee_settlement_count: "SELECT COUNT(*) AS n FROM batch_settlements",
  fee_is_settled: "SELECT COUNT(*) AS n FROM batch_settlements WHERE relayer = $1 AND batch_id = $2",

  // One atomic upsert per hit: a window that has ended restarts at 1.
  rate_hit: `INSERT INTO rate_limits (key, hits, reset_at) VALUES ($1, 1, $2::bigint + $3::bigint)
    ON CONFLICT (key) DO UPDATE SET
      hits = CASE WHEN rate_limits.reset_at <= $2 THEN 1 ELSE rate_limits.hits + 1 END,
      reset_at = CASE WHEN rate_limits.reset_at <= $2 THEN $2::bigint + $3::bigint ELSE rate_limits.reset_at END
    RETURNING hits, reset_at`,
  rate_unhit: "UPDATE rate_limits SET hits = GREATEST(hits - 1, 0) WHERE key = $1",
  rate_reset: "DELETE FROM rate_limits WHERE key = $1",
} as const;

type StatementName = keyof typeof SQL;
type Value = string | number | null | Buffer | readonly number[];

async function rows<R extends QueryResultRow>(db: Queryable, name: StatementName, values: Value[]): Promise<R[]> {
  return (await db.query<R>({ name, text: SQL[name], values })).rows;
}

async function changes(db: Queryable, name: StatementName, values: Value[]): Promise<number> {
  return (await db.query({ name, text: SQL[name], values })).rowCount ?? 0;
}

class PgReceipts implements ReceiptsStore {
  constructor(private readonly db: Queryable) {}

  async insert(r: NewReceipt): Promise<number> {
    const [row] = await rows<{ seq: number }>(
      this.db,
      "receipt_insert",
      receiptValues(r, Math.floor(Date.now() / 1000)),
    );
    return row!.seq;
  }

  async find(id: Hex): Promise<StoredReceipt | null> {
    const [row] = await rows<ReceiptRow>(this.db, "receipt_find", [id.toLowerCase()]);
    return row ? receiptFromRow(row) : null;
  }

  async backlog(signer: Address): Promise<EpochBacklog[]> {
    return (await rows<{ epoch: number; count: number; oldest: number }>(this.db, "receipt_backlog", [signer])).map(
      (r) => ({ epoch: BigInt(r.epoch), count: r.count, oldestTimestamp: BigInt(r.oldest) }),
    );
  }

  async takeUnbatched(signer: Address, epoch: bigint, limit: number): Promise<StoredReceipt[]> {
    return (await rows<ReceiptRow>(this.db, "receipt_take", [signer, Number(epoch), limit])).map(receiptFromRow);
  }

  async assignBatch(seqs: readonly number[], relayer: Address, batchId: bigint): Promise<void> {
    const n = await changes(this.db, "receipt_assign", [relayer, Number(batchId), seqs]);
    if (n !== seqs.length) throw new Error(`${seqs.length - n} of the batch's receipts are no longer unbatched`);
  }

  async inBatch(relayer: Address, batchId: bigint): Promise<StoredReceipt[]> {
    return (await rows<ReceiptRow>(this.db, "receipt_in_batch", [relayer, Number(batchId)])).map(receiptFromRow);
  }

  release(relayer: Address, batchId: bigint): Promise<number> {
    return changes(this.db, "receipt_release", [relayer, Number(batchId)]);
  }

  expireBatch(relayer: Address, batchId: bigint): Promise<number> {
    return changes(this.db, "receipt_expire_batch", [relayer, Number(batchId)]);
  }

  expireEpoch(signer: Address, epoch: bigint): Promise<number> {
    return changes(this.db, "receipt_expire_epoch", [signer, Number(epoch)]);
  }

  async countByStatus(): Promise<Record<ReceiptStatus, number>> {
    const counts = emptyReceiptCounts();
    for (const row of await rows<{ status: ReceiptStatus; n: number }>(this.db, "receipt_counts", []))
      counts[row.status] = row.n;
    return counts;
  }
}

class PgBatches implements BatchesStore {
  constructor(private readonly db: Queryable) {}

  async insert(b: NewBatch): Promise<void> {
    await changes(this.db, "batch_insert", [
      b.relayer,
      Number(b.batchId),
      Number(b.epoch),
      b.root,
      b.count,
      b.dataURI,
      b.dataHash,
      Buffer.from(b.file),
      b.sealedAt,
    ]);
  }

  async get(relayer: Address, batchId: bigint): Promise<StoredBatch | null> {
    const [row] = await rows<BatchRow>(this.db, "batch_get", [relayer, Number(batchId)]);
    return row ? batchFromRow(row) : null;
  }

  async file(relayer: Address, batchId: bigint): Promise<Buffer | null> {
    const [row] = await rows<{ file: Buffer }>(this.db, "batch_file", [relayer, Number(batchId)]);
    return row?.file ?? null;
  }

  async maxBatchId(relayer: Address): Promise<bigint> {
    const [row] = await rows<{ m: number | null }>(this.db, "batch_max_id", [relayer]);
    return BigInt(row?.m ?? 0);
  }

  async unconfirmed(relayer: Address): Promise<StoredBatch[]> {
    return (await rows<BatchRow>(this.db, "batch_unconfirmed", [relayer])).map(batchFromRow);
  }

  async markSubmitted(relayer: Address, batchId: bigint): Promise<void> {
    await changes(this.db, "batch_mark_submitted", [relayer, Number(batchId)]);
  }

  async markConfirmed(relayer: Address, batchId: bigint, txHash: Hex | null, at: number): Promise<void> {
    await changes(this.db, "batch_mark_confirmed", [txHash, at, relayer, Number(batchId)]);
  }

  async recordError(relayer: Address, batchId: bigint, message: string): Promise<void> {
    await changes(this.db, "batch_record_error", [message.slice(0, 2000), relayer, Number(batchId)]);
  }

  async recordTx(relayer: Address, batchId: bigint, tx: BatchTx): Promise<void> {
    await changes(this.db, "batch_record_tx", [tx.txHash, relayer, Number(batchId), tx.nonce, tx.sentAt]);
  }

  async txs(relayer: Address, batchId: bigint): Promise<BatchTx[]> {
    return (
      await rows<{ tx_hash: string; nonce: number; sent_at: number }>(this.db, "batch_txs", [relayer, Number(batchId)])
    ).map((r) => ({ txHash: r.tx_hash as Hex, nonce: r.nonce, sentAt: r.sent_at }));
  }

  async delete(relayer: Address, batchId: bigint): Promise<void> {
    await changes(this.db, "batch_delete", [relayer, Number(batchId)]);
  }

  async countByStatus(): Promise<Record<BatchStatus, number>> {
    const counts = emptyBatchCounts();
    for (const row of await rows<{ status: BatchStatus; n: number }>(this.db, "batch_counts", []))
      counts[row.status] = row.n;
    return counts;
  }
}

class PgApiKeys implements ApiKeysStore {
  constructor(private readonly db: Queryable) {}

  async insert(record: Omit<ApiKeyRecord, "revokedAt">, keyHash: Hex): Promise<void> {
    await changes(this.db, "api_key_insert", [
      record.id,
      keyHash,
      record.prefix,
      record.owner,
      record.label,
      record.createdAt,
    ]);
  }

  async findActiveByHash(keyHash: Hex): Promise<ApiKeyRecord | null> {
    const [row] = await rows<ApiKeyRow>(this.db, "api_key_by_hash", [keyHash]);
    return row ? apiKeyFromRow(row) : null;
  }

  async get(id: string): Promise<ApiKeyRecord | null> {
    const [row] = await rows<ApiKeyRow>(this.db, "api_key_get", [id]);
    return row ? apiKeyFromRow(row) : null;
  }

  async list(owner?: Address): Promise<ApiKeyRecord[]> {
    const found = owner
      ? await rows<ApiKeyRow>(this.db, "api_key_list_owner", [owner])
      : await rows<ApiKeyRow>(this.db, "api_key_list", []);
    return found.map(apiKeyFromRow);
  }

  async revoke(id: string, at: number): Promise<boolean> {
    return (await changes(this.db, "api_key_revoke", [at, id])) === 1;
  }
}

class PgNonces implements NoncesStore {
  constructor(private readonly db: Queryable) {}

  async claim(user: Address, nonce: bigint, at: number): Promise<boolean> {
    return (await changes(this.db, "nonce_claim", [user, nonce.toString(), at])) === 1;
  }

  async release(user: Address, nonce: bigint): Promise<void> {
    await changes(this.db, "nonce_release", [user, nonce.toString()]);
  }
}

class PgIdempotency implements IdempotencyStore {
  constructor(private readonly db: Queryable) {}

  async reserve(caller: string, key: string, bodyHash: Hex, owner: string, at: number): Promise<boolean> {
    return (await changes(this.db, "idem_reserve", [caller, key, bodyHash, owner, at])) === 1;
  }

  async get(caller: string, key: string): Promise<IdempotencyRecord | null> {
    const [row] = await rows<IdempotencyRow>(this.db, "idem_get", [caller, key]);
    return row ? idempotencyFromRow(row) : null;
  }

  async complete(caller: string, key: string, status: number, body: string): Promise<void> {
    await changes(this.db, "idem_complete", [status, body, caller, key]);
  }

  async abandon(caller: string, key: string): Promise<void> {
    await changes(this.db, "idem_abandon", [caller, key]);
  }

  abandonPendingOf(owner: string): Promise<number> {
    return changes(this.db, "idem_abandon_owner", [owner]);
  }
}

class PgFees implements FeesStore {
  constructor(private readonly db: Queryable) {}

  async lockPayer(payer: Address): Promise<void> {
    await rows(this.db, "fee_lock_payer", [getAddress(payer)]);
  }

  async unsettledSpend(payer: Address): Promise<bigint> {
    const [row] = await rows<{ amount: string }>(this.db, "fee_spend", [getAddress(payer)]);
    return BigInt(row!.amount);
  }

  async reserve(requestId: Hex, payer: Address, amount: bigint, owner: string, at: number): Promise<void> {
    await changes(this.db, "fee_reserve", [requestId.toLowerCase(), getAddress(payer), amount.toString(), owner, at]);
  }

  async release(requestId: Hex): Promise<void> {
    await changes(this.db, "fee_release", [requestId.toLowerCase()]);
  }

  releaseAllOf(owner: string): Promise<number> {
    return changes(this.db, "fee_release_owner", [owner]);
  }

  async unsettledBatches(relayer: Address): Promise<UnsettledBatch[]> {
    return (await rows<{ batch_id: number }>(this.db, "fee_unsettled_batches", [relayer])).map((r) => ({
      relayer,
      batchId: BigInt(r.batch_id),
    }));
  }

  async markSettled(relayer: Address, batchId: bigint, total: bigint, txHash: Hex | null, at: number): Promise<void> {
    await changes(this.db, "fee_mark_settled", [relayer, Number(batchId), total.toString(), txHash, at]);
  }

  async settlementCount(): Promise<number> {
    const [row] = await rows<{ n: number }>(this.db, "fee_settlement_count", []);
    return row?.n ?? 0;
  }

  async isSettled(relayer: Address, batchId: bigint): Promise<boolean> {
    const [row] = await rows<{ n: number }>(this.db, "fee_is_settled", [relayer, Number(batchId)]);
    return row?.n === 1;
  }
}

export class PgRateLimits implements RateLimitsStore {
  constructor(private readonly db: Queryable) {}

  async hit(key: string, windowMs: number, nowMs: number): Promise<RateLimitHit> {
    const [row] = await rows<{ hits: number; reset_at: number }>(this.db, "rate_hit", [key, nowMs, windowMs]);
    return { hits: row!.hits, resetAt: row!.reset_at };
  }

  async unhit(key: string): Promise<void> {
    await changes(this.db, "rate_unhit", [key]);
  }

  async reset(key: string): Promise<void> {
    await changes(this.db, "rate_reset", [key]);
  }
}

export function pgRepos(db: Queryable): StoreRepos {
  return {
    receipts: new PgReceipts(db),
    batches: new PgBatches(db),
    apiKeys: new PgApiKeys(db),
    nonces: new PgNonces(db),
    idempotency: new PgIdempotency(db),
    fees: new PgFees(db),
  };
}
