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
  ReceiptStatus,
  ReceiptsStore,
  StoreRepos,
  StoredBatch,
  StoredReceipt,
  UnsettledBatch,
} from "../types";
import type { SqliteDatabase } from "./database";

/**
 * The transaction a call must wait for, or null when it may run now. better-sqlite3 is one
 * synchronous connection: a statement run while a transaction awaits would join that transaction
 * (and vanish with its rollback), so calls outside it wait for its end; calls inside it never wait.
 * Callers check again after each wait and then run their statements in the same synchronous step.
 */
export type Turn = () => Promise<void> | null;

/** Every statement prepared once per connection (#13 measured re-preparing on each request). */
export function prepareStatements(db: SqliteDatabase) {
  return {
    receiptInsert: db.prepare(
      `INSERT INTO receipts (${RECEIPT_INSERT_COLUMNS}, status) VALUES (${Array(RECEIPT_INSERT_COLUMN_COUNT).fill("?").join(", ")}, 'unbatched')`,
    ),
    receiptByRequestId: db.prepare<[string], ReceiptRow>("SELECT * FROM receipts WHERE request_id = ?"),
    receiptByHash: db.prepare<[string], ReceiptRow>("SELECT * FROM receipts WHERE receipt_hash = ?"),
    receiptBacklog: db.prepare<[string], { epoch: number; count: number; oldest: number }>(
      `SELECT epoch, COUNT(*) AS count, MIN(timestamp) AS oldest FROM receipts
       WHERE status = 'unbatched' AND signer = ? GROUP BY epoch ORDER BY epoch`,
    ),
    receiptTake: db.prepare<[string, number, number], ReceiptRow>(
      "SELECT * FROM receipts WHERE status = 'unbatched' AND signer = ? AND epoch = ? ORDER BY seq LIMIT ?",
    ),
    // One statement for a whole batch (the seqs as a JSON array): 256 single-row UPDATEs were a
    // visible share of the main thread's time at every seal (#13).
    receiptAssign: db.prepare(
      `UPDATE receipts SET status = 'batched', batch_relayer = ?, batch_id = ?
       WHERE seq IN (SELECT value FROM json_each(?)) AND status = 'unbatched'`,
    ),
    receiptInBatch: db.prepare<[string, number], ReceiptRow>(
      "SELECT * FROM receipts WHERE batch_relayer = ? AND batch_id = ? ORDER BY seq",
    ),
    receiptRelease: db.prepare(
      "UPDATE receipts SET status = 'unbatched', batch_relayer = NULL, batch_id = NULL WHERE batch_relayer = ? AND batch_id = ?",
    ),
    receiptExpireBatch: db.prepare(
      "UPDATE receipts SET status = 'expired', batch_relayer = NULL, batch_id = NULL WHERE batch_relayer = ? AND batch_id = ?",
    ),
    receiptExpireEpoch: db.prepare(
      "UPDATE receipts SET status = 'expired' WHERE status = 'unbatched' AND signer = ? AND epoch = ?",
    ),
    receiptCounts: db.prepare<[], { status: ReceiptStatus; n: number }>(
      "SELECT status, COUNT(*) AS n FROM receipts GROUP BY status",
    ),

    batchInsert: db.prepare(
      `INSERT INTO batches (relayer, batch_id, epoch, root, count, data_uri, data_hash, file, status, sealed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'sealed', ?)`,
    ),
    batchGet: db.prepare<[string, number], BatchRow>(
      `SELECT ${BATCH_COLUMNS} FROM batches WHERE relayer = ? AND batch_id = ?`,
    ),
    batchFile: db.prepare<[string, number], { file: Buffer }>(
      "SELECT file FROM batches WHERE relayer = ? AND batch_id = ?",
    ),
    batchMaxId: db.prepare<[string], { m: number | null }>("SELECT MAX(batch_id) AS m FROM batches WHERE relayer = ?"),
    batchUnconfirmed: db.prepare<[string], BatchRow>(
      `SELECT ${BATCH_COLUMNS} FROM batches WHERE relayer = ? AND status != 'confirmed' ORDER BY batch_id`,
    ),
    batchMarkSubmitted: db.prepare(
      "UPDATE batches SET status = 'submitted' WHERE relayer = ? AND batch_id = ? AND status = 'sealed'",
    ),
    batchMarkConfirmed: db.prepare(
      "UPDATE batches SET status = 'confirmed', confirmed_tx = ?, confirmed_at = ?, last_error = NULL WHERE relayer = ? AND batch_id = ?",
    ),
    batchRecordError: db.prepare("UPDATE batches SET last_error = ? WHERE relayer = ? AND batch_id = ?"),
    batchRecordTx: db.prepare(
      "INSERT OR IGNORE INTO batch_txs (tx_hash, relayer, batch_id, nonce, sent_at) VALUES (?, ?, ?, ?, ?)",
    ),
    batchTxs: db.prepare<[string, number], { tx_hash: string; nonce: number; sent_at: number }>(
      "SELECT tx_hash, nonce, sent_at FROM batch_txs WHERE relayer = ? AND batch_id = ? ORDER BY sent_at, nonce",
    ),
    batchDelete: db.prepare("DELETE FROM batches WHERE relayer = ? AND batch_id = ?"),
    batchCounts: db.prepare<[], { status: BatchStatus; n: number }>(
      "SELECT status, COUNT(*) AS n FROM batches GROUP BY status",
    ),

    apiKeyInsert: db.prepare(
      "INSERT INTO api_keys (id, key_hash, prefix, owner, label, created_at) VALUES (?, ?, ?, ?, ?, ?)",
    ),
    apiKeyByHash: db.prepare<[string], ApiKeyRow>("SELECT * FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL"),
    apiKeyGet: db.prepare<[string], ApiKeyRow>("SELECT * FROM api_keys WHERE id = ?"),
    apiKeyListOwner: db.prepare<[string], ApiKeyRow>("SELECT * FROM api_keys WHERE owner = ? ORDER BY created_at, id"),
    apiKeyList: db.prepare<[], ApiKeyRow>("SELECT * FROM api_keys ORDER BY created_at, id"),
    apiKeyRevoke: db.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"),

    nonceClaim: db.prepare("INSERT OR IGNORE INTO wallet_nonces (user, nonce, used_at) VALUES (?, ?, ?)"),
    nonceRelease: db.prepare("DELETE FROM wallet_nonces WHERE user = ? AND nonce = ?"),

    idemReserve: db.prepare(
      "INSERT OR IGNORE INTO idempotency_keys (caller, key, body_hash, state, owner, created_at) VALUES (?, ?, ?, 'pending', ?, ?)",
    ),
    idemGet: db.prepare<[string, string], IdempotencyRow>(
      "SELECT body_hash, state, owner, response_status, response_body, created_at FROM idempotency_keys WHERE caller = ? AND key = ?",
    ),
    idemComplete: db.prepare(
      "UPDATE idempotency_keys SET state = 'done', response_status = ?, response_body = ? WHERE caller = ? AND key = ?",
    ),
    idemAbandon: db.prepare("DELETE FROM idempotency_keys WHERE caller = ? AND key = ? AND state = 'pending'"),
    idemAbandonAll: db.prepare("DELETE FROM idempotency_keys WHERE state = 'pending'"),

    feeReserve: db.prepare(
      "INSERT INTO fee_reservations (request_id, payer, amount, owner, created_at) VALUES (?, ?, ?, ?, ?)",
    ),
    feeRelease: db.prepare("DELETE FROM fee_reservations WHERE request_id = ?"),
    feeReleaseAll: db.prepare("DELETE FROM fee_reservations"),
    feeSpend: db.prepare<[string, string], { amount: string }>(
      `SELECT r.fee AS amount FROM receipts r
         LEFT JOIN batch_settlements s ON s.relayer = r.batch_relayer AND s.batch_id = r.batch_id
         WHERE r.payer = ? AND r.status != 'expired' AND r.fee != '0' AND s.batch_id IS NULL
       UNION ALL
       SELECT amount FROM fee_reservations WHERE payer = ?`,
    ),
    feeUnsettledBatches: db.prepare<[string], { batch_id: number }>(
      `SELECT b.batch_id FROM batches b
         LEFT JOIN batch_settlements s ON s.relayer = b.relayer AND s.batch_id = b.batch_id
         WHERE b.relayer = ? AND b.status = 'confirmed' AND s.batch_id IS NULL
         ORDER BY b.batch_id`,
    ),
    feeMarkSettled: db.prepare(
      "INSERT INTO batch_settlements (relayer, batch_id, total, tx_hash, settled_at) VALUES (?, ?, ?, ?, ?)",
    ),
    feeSettlementCount: db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM batch_settlements"),
    feeIsSettled: db.prepare<[string, number], { n: number }>(
      "SELECT COUNT(*) AS n FROM batch_settlements WHERE relayer = ? AND batch_id = ?",
    ),
  };
}

export type SqliteStatements = ReturnType<typeof prepareStatements>;

class SqliteReceipts implements ReceiptsStore {
  constructor(
    private readonly s: SqliteStatements,
    private readonly turn: Turn,
  ) {}

  async insert(r: NewReceipt): Promise<number> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    return Number(this.s.receiptInsert.run(...receiptValues(r, Math.floor(Date.now() / 1000))).lastInsertRowid);
  }

  async find(id: Hex): Promise<StoredReceipt | null> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    const key = id.toLowerCase();
    const row = this.s.receiptByRequestId.get(key) ?? this.s.receiptByHash.get(key);
    return row ? receiptFromRow(row) : null;
  }

  async backlog(signer: Address): Promise<EpochBacklog[]> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    return this.s.receiptBacklog
      .all(signer)
      .map((r) => ({ epoch: BigInt(r.epoch), count: r.count, oldestTimestamp: BigInt(r.oldest) }));
  }

  async takeUnbatched(signer: Address, epoch: bigint, limit: number): Promise<StoredReceipt[]> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    return this.s.receiptTake.all(signer, Number(epoch), limit).map(receiptFromRow);
  }

  async assignBatch(seqs: readonly number[], relayer: Address, batchId: bigint): Promise<void> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    const changed = this.s.receiptAssign.run(relayer, Number(batchId), JSON.stringify(seqs)).changes;
    // Fewer rows than seqs: a receipt left the queue meanwhile (or a seq was named twice); all roll back.
    if (changed !== seqs.length)
      throw new Error(`${seqs.length - changed} of the batch's receipts are no longer unbatched`);
  }

  async inBatch(relayer: Address, batchId: bigint): Promise<StoredReceipt[]> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    return this.s.receiptInBatch.all(relayer, Number(batchId)).map(receiptFromRow);
  }

  async release(relayer: Address, batchId: bigint): Promise<number> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    return this.s.receiptRelease.run(relayer, Number(batchId)).changes;
  }

  async expireBatch(relayer: Address, batchId: bigint): Promise<number> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    return this.s.receiptExpireBatch.run(relayer, Number(batchId)).changes;
  }

  async expireEpoch(signer: Address, epoch: bigint): Promise<number> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    return this.s.receiptExpireEpoch.run(signer, Number(epoch)).changes;
  }

  async countByStatus(): Promise<Record<ReceiptStatus, number>> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    const counts = emptyReceiptCounts();
    for (const row of this.s.receiptCounts.all()) counts[row.status] = row.n;
    return counts;
  }
}

class SqliteBatches implements BatchesStore {
  constructor(
    private readonly s: SqliteStatements,
    private readonly turn: Turn,
  ) {}

  async insert(b: NewBatch): Promise<void> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    this.s.batchInsert.run(
      b.relayer,
      Number(b.batchId),
      Number(b.epoch),
      b.root,
      b.count,
      b.dataURI,
      b.dataHash,
      Buffer.from(b.file),
      b.sealedAt,
    );
  }

  async get(relayer: Address, batchId: bigint): Promise<StoredBatch | null> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    const row = this.s.batchGet.get(relayer, Number(batchId));
    return row ? batchFromRow(row) : null;
  }

  async file(relayer: Address, batchId: bigint): Promise<Buffer | null> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    return this.s.batchFile.get(relayer, Number(batchId))?.file ?? null;
  }

  async maxBatchId(relayer: Address): Promise<bigint> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    return BigInt(this.s.batchMaxId.get(relayer)?.m ?? 0);
  }

  async unconfirmed(relayer: Address): Promise<StoredBatch[]> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    return this.s.batchUnconfirmed.all(relayer).map(batchFromRow);
  }

  async markSubmitted(relayer: Address, batchId: bigint): Promise<void> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    this.s.batchMarkSubmitted.run(relayer, Number(batchId));
  }

  async markConfirmed(relayer: Address, batchId: bigint, txHash: Hex | null, at: number): Promise<void> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    this.s.batchMarkConfirmed.run(txHash, at, relayer, Number(batchId));
  }

  async recordError(relayer: Address, batchId: bigint, message: string): Promise<void> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    this.s.batchRecordError.run(message.slice(0, 2000), relayer, Number(batchId));
  }

  async recordTx(relayer: Address, batchId: bigint, tx: BatchTx): Promise<void> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    this.s.batchRecordTx.run(tx.txHash, relayer, Number(batchId), tx.nonce, tx.sentAt);
  }

  async txs(relayer: Address, batchId: bigint): Promise<BatchTx[]> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    return this.s.batchTxs
      .all(relayer, Number(batchId))
      .map((r) => ({ txHash: r.tx_hash as Hex, nonce: r.nonce, sentAt: r.sent_at }));
  }

  async delete(relayer: Address, batchId: bigint): Promise<void> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    this.s.batchDelete.run(relayer, Number(batchId));
  }

  async countByStatus(): Promise<Record<BatchStatus, number>> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    const counts = emptyBatchCounts();
    for (const row of this.s.batchCounts.all()) counts[row.status] = row.n;
    return counts;
  }
}

class SqliteApiKeys implements ApiKeysStore {
  constructor(
    private readonly s: SqliteStatements,
    private readonly turn: Turn,
  ) {}

  async insert(record: Omit<ApiKeyRecord, "revokedAt">, keyHash: Hex): Promise<void> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    this.s.apiKeyInsert.run(record.id, keyHash, record.prefix, record.owner, record.label, record.createdAt);
  }

  async findActiveByHash(keyHash: Hex): Promise<ApiKeyRecord | null> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    const row = this.s.apiKeyByHash.get(keyHash);
    return row ? apiKeyFromRow(row) : null;
  }

  async get(id: string): Promise<ApiKeyRecord | null> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    const row = this.s.apiKeyGet.get(id);
    return row ? apiKeyFromRow(row) : null;
  }

  async list(owner?: Address): Promise<ApiKeyRecord[]> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    return (owner ? this.s.apiKeyListOwner.all(owner) : this.s.apiKeyList.all()).map(apiKeyFromRow);
  }

  async revoke(id: string, at: number): Promise<boolean> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    return this.s.apiKeyRevoke.run(at, id).changes === 1;
  }
}

class SqliteNonces implements NoncesStore {
  constructor(
    private readonly s: SqliteStatements,
    private readonly turn: Turn,
  ) {}

  async claim(user: Address, nonce: bigint, at: number): Promise<boolean> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    return this.s.nonceClaim.run(user, nonce.toString(), at).changes === 1;
  }

  async release(user: Address, nonce: bigint): Promise<void> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    this.s.nonceRelease.run(user, nonce.toString());
  }
}

class SqliteIdempotency implements IdempotencyStore {
  constructor(
    private readonly s: SqliteStatements,
    private readonly turn: Turn,
  ) {}

  async reserve(caller: string, key: string, bodyHash: Hex, owner: string, at: number): Promise<boolean> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    return this.s.idemReserve.run(caller, key, bodyHash, owner, at).changes === 1;
  }

  async get(caller: string, key: string): Promise<IdempotencyRecord | null> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    const row = this.s.idemGet.get(caller, key);
    return row ? idempotencyFromRow(row) : null;
  }

  async complete(caller: string, key: string, status: number, body: string): Promise<void> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    this.s.idemComplete.run(status, body, caller, key);
  }

  async abandon(caller: string, key: string): Promise<void> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    this.s.idemAbandon.run(caller, key);
  }

  /** A SQLite file has one process: every pending key at its start was left by its own crash. */
  async abandonPendingOf(): Promise<number> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    return this.s.idemAbandonAll.run().changes;
  }
}

class SqliteFees implements FeesStore {
  constructor(
    private readonly s: SqliteStatements,
    private readonly turn: Turn,
  ) {}

  /** Nothing to take: a SQLite write transaction is IMMEDIATE, it already excludes every other writer. */
  async lockPayer(): Promise<void> {
    for (let open = this.turn(); open; open = this.turn()) await open;
  }

  async unsettledSpend(payer: Address): Promise<bigint> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    const key = getAddress(payer);
    // Summed as bigint: wei overflow SQLite integers.
    return this.s.feeSpend.all(key, key).reduce((sum, row) => sum + BigInt(row.amount), 0n);
  }

  async reserve(requestId: Hex, payer: Address, amount: bigint, owner: string, at: number): Promise<void> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    this.s.feeReserve.run(requestId.toLowerCase(), getAddress(payer), amount.toString(), owner, at);
  }

  async release(requestId: Hex): Promise<void> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    this.s.feeRelease.run(requestId.toLowerCase());
  }

  /** A SQLite file has one process: every reservation at its start was left by its own crash. */
  async releaseAllOf(): Promise<number> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    return this.s.feeReleaseAll.run().changes;
  }

  async unsettledBatches(relayer: Address): Promise<UnsettledBatch[]> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    return this.s.feeUnsettledBatches.all(relayer).map((r) => ({ relayer, batchId: BigInt(r.batch_id) }));
  }

  async markSettled(relayer: Address, batchId: bigint, total: bigint, txHash: Hex | null, at: number): Promise<void> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    this.s.feeMarkSettled.run(relayer, Number(batchId), total.toString(), txHash, at);
  }

  async settlementCount(): Promise<number> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    return this.s.feeSettlementCount.get()?.n ?? 0;
  }

  async isSettled(relayer: Address, batchId: bigint): Promise<boolean> {
    for (let open = this.turn(); open; open = this.turn()) await open;
    return this.s.feeIsSettled.get(relayer, Number(batchId))?.n === 1;
  }
}

export function sqliteRepos(s: SqliteStatements, turn: Turn): StoreRepos {
  return {
    receipts: new SqliteReceipts(s, turn),
    batches: new SqliteBatches(s, turn),
    apiKeys: new SqliteApiKeys(s, turn),
    nonces: new SqliteNonces(s, turn),
    idempotency: new SqliteIdempotency(s, turn),
    fees: new SqliteFees(s, turn),
  };
}
