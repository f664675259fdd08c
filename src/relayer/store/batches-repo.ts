import type { Address, Hex } from "viem";
import type { BatchCommitment } from "../../protocol/batch-file";
import type { SqliteDatabase } from "./database";

export type BatchStatus = "sealed" | "submitted" | "confirmed";

export type StoredBatch = BatchCommitment & {
  status: BatchStatus;
  sealedAt: number;
  confirmedAt: number | null;
  confirmedTx: Hex | null;
  lastError: string | null;
};

export type BatchTx = { txHash: Hex; nonce: number; sentAt: number };

type BatchRow = {
  relayer: string;
  batch_id: number;
  epoch: number;
  root: string;
  count: number;
  data_uri: string;
  data_hash: string;
  status: BatchStatus;
  sealed_at: number;
  confirmed_at: number | null;
  confirmed_tx: string | null;
  last_error: string | null;
};

const COLUMNS =
  "relayer, batch_id, epoch, root, count, data_uri, data_hash, status, sealed_at, confirmed_at, confirmed_tx, last_error";

function fromRow(row: BatchRow): StoredBatch {
  return {
    relayer: row.relayer as Address,
    batchId: BigInt(row.batch_id),
    epoch: BigInt(row.epoch),
    root: row.root as Hex,
    count: row.count,
    dataURI: row.data_uri,
    dataHash: row.data_hash as Hex,
    status: row.status,
    sealedAt: row.sealed_at,
    confirmedAt: row.confirmed_at,
    confirmedTx: row.confirmed_tx as Hex | null,
    lastError: row.last_error,
  };
}

export type NewBatch = Pick<
  StoredBatch,
  "relayer" | "batchId" | "epoch" | "root" | "count" | "dataURI" | "dataHash"
> & {
  file: Uint8Array;
  sealedAt: number;
};

export class BatchesRepo {
  constructor(private readonly db: SqliteDatabase) {}

  insert(b: NewBatch): void {
    this.db
      .prepare(
        `INSERT INTO batches (relayer, batch_id, epoch, root, count, data_uri, data_hash, file, status, sealed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'sealed', ?)`,
      )
      .run(
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

  get(relayer: Address, batchId: bigint): StoredBatch | null {
    const row = this.db
      .prepare<[string, number], BatchRow>(`SELECT ${COLUMNS} FROM batches WHERE relayer = ? AND batch_id = ?`)
      .get(relayer, Number(batchId));
    return row ? fromRow(row) : null;
  }

  /** The exact bytes committed on-chain through dataHash. */
  file(relayer: Address, batchId: bigint): Buffer | null {
    const row = this.db
      .prepare<[string, number], { file: Buffer }>("SELECT file FROM batches WHERE relayer = ? AND batch_id = ?")
      .get(relayer, Number(batchId));
    return row ? row.file : null;
  }

  maxBatchId(relayer: Address): bigint {
    const row = this.db
      .prepare<[string], { m: number | null }>("SELECT MAX(batch_id) AS m FROM batches WHERE relayer = ?")
      .get(relayer);
    return BigInt(row?.m ?? 0);
  }

  /** Batches not yet confirmed on-chain, lowest id first (the order they must be submitted in). */
  unconfirmed(relayer: Address): StoredBatch[] {
    return this.db
      .prepare<[string], BatchRow>(
        `SELECT ${COLUMNS} FROM batches WHERE relayer = ? AND status != 'confirmed' ORDER BY batch_id`,
      )
      .all(relayer)
      .map(fromRow);
  }

  markSubmitted(relayer: Address, batchId: bigint): void {
    this.db
      .prepare("UPDATE batches SET status = 'submitted' WHERE relayer = ? AND batch_id = ? AND status = 'sealed'")
      .run(relayer, Number(batchId));
  }

  markConfirmed(relayer: Address, batchId: bigint, txHash: Hex | null, at: number): void {
    this.db
      .prepare(
        "UPDATE batches SET status = 'confirmed', confirmed_tx = ?, confirmed_at = ?, last_error = NULL WHERE relayer = ? AND batch_id = ?",
      )
      .run(txHash, at, relayer, Number(batchId));
  }

  recordError(relayer: Address, batchId: bigint, message: string): void {
    this.db
      .prepare("UPDATE batches SET last_error = ? WHERE relayer = ? AND batch_id = ?")
      .run(message.slice(0, 2000), relayer, Number(batchId));
  }

  recordTx(relayer: Address, batchId: bigint, tx: BatchTx): void {
    this.db
      .prepare("INSERT OR IGNORE INTO batch_txs (tx_hash, relayer, batch_id, nonce, sent_at) VALUES (?, ?, ?, ?, ?)")
      .run(tx.txHash, relayer, Number(batchId), tx.nonce, tx.sentAt);
  }

  txs(relayer: Address, batchId: bigint): BatchTx[] {
    return this.db
      .prepare<[string, number], { tx_hash: string; nonce: number; sent_at: number }>(
        "SELECT tx_hash, nonce, sent_at FROM batch_txs WHERE relayer = ? AND batch_id = ? ORDER BY sent_at, nonce",
      )
      .all(relayer, Number(batchId))
      .map((r) => ({ txHash: r.tx_hash as Hex, nonce: r.nonce, sentAt: r.sent_at }));
  }

  /** Removes a batch that never reached the chain (its receipts must have been released first). */
  delete(relayer: Address, batchId: bigint): void {
    this.db.prepare("DELETE FROM batches WHERE relayer = ? AND batch_id = ?").run(relayer, Number(batchId));
  }

  countByStatus(): Record<BatchStatus, number> {
    const counts: Record<BatchStatus, number> = { sealed: 0, submitted: 0, confirmed: 0 };
    for (const row of this.db
      .prepare<[], { status: BatchStatus; n: number }>("SELECT status, COUNT(*) AS n FROM batches GROUP BY status")
      .all())
      counts[row.status] = row.n;
    return counts;
  }
}
