import { type Address, type Hex, getAddress } from "viem";
import type { SqliteDatabase } from "./database";

export type UnsettledBatch = { relayer: Address; batchId: bigint };

/**
 * The relayer's side of FeeEscrow: prices reserved for calls in flight, and which committed batches
 * have been settled. A payer's unsettled spend is what the escrow will still be charged for calls
 * this relayer answered or is answering: reservations plus fees of receipts not in a settled batch
 * (expired receipts are never committed, so never charged).
 */
export class FeesRepo {
  private readonly reserveStmt;
  private readonly releaseStmt;
  private readonly spendStmt;

  constructor(private readonly db: SqliteDatabase) {
    this.reserveStmt = db.prepare(
      "INSERT INTO fee_reservations (request_id, payer, amount, created_at) VALUES (?, ?, ?, ?)",
    );
    this.releaseStmt = db.prepare("DELETE FROM fee_reservations WHERE request_id = ?");
    this.spendStmt = db.prepare<[string, string], { amount: string }>(
      `SELECT r.fee AS amount FROM receipts r
         LEFT JOIN batch_settlements s ON s.relayer = r.batch_relayer AND s.batch_id = r.batch_id
         WHERE r.payer = ? AND r.status != 'expired' AND r.fee != '0' AND s.batch_id IS NULL
       UNION ALL
       SELECT amount FROM fee_reservations WHERE payer = ?`,
    );
  }

  /** Reservations plus charged-but-unsettled fees of `payer` (summed as bigint: wei overflow SQLite integers). */
  unsettledSpend(payer: Address): bigint {
    const key = getAddress(payer);
    return this.spendStmt.all(key, key).reduce((sum, row) => sum + BigInt(row.amount), 0n);
  }

  reserve(requestId: Hex, payer: Address, amount: bigint, at: number): void {
    this.reserveStmt.run(requestId.toLowerCase(), getAddress(payer), amount.toString(), at);
  }

  /** Drops a reservation (the call failed, or its receipt now carries the fee). */
  release(requestId: Hex): void {
    this.releaseStmt.run(requestId.toLowerCase());
  }

  /** Drops every reservation: at boot none of them can still become a receipt. */
  releaseAll(): number {
    return this.db.prepare("DELETE FROM fee_reservations").run().changes;
  }

  /** Confirmed batches of `relayer` not yet settled, lowest id first. */
  unsettledBatches(relayer: Address): UnsettledBatch[] {
    return this.db
      .prepare<[string], { batch_id: number }>(
        `SELECT b.batch_id FROM batches b
           LEFT JOIN batch_settlements s ON s.relayer = b.relayer AND s.batch_id = b.batch_id
           WHERE b.relayer = ? AND b.status = 'confirmed' AND s.batch_id IS NULL
           ORDER BY b.batch_id`,
      )
      .all(relayer)
      .map((r) => ({ relayer, batchId: BigInt(r.batch_id) }));
  }

  markSettled(relayer: Address, batchId: bigint, total: bigint, txHash: Hex | null, at: number): void {
    this.db
      .prepare("INSERT INTO batch_settlements (relayer, batch_id, total, tx_hash, settled_at) VALUES (?, ?, ?, ?, ?)")
      .run(relayer, Number(batchId), total.toString(), txHash, at);
  }

  /** How many batches were recorded settled so far (it only grows). */
  settlementCount(): number {
    return this.db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM batch_settlements").get()?.n ?? 0;
  }

  isSettled(relayer: Address, batchId: bigint): boolean {
    return (
      this.db
        .prepare<[string, number], { n: number }>(
          "SELECT COUNT(*) AS n FROM batch_settlements WHERE relayer = ? AND batch_id = ?",
        )
        .get(relayer, Number(batchId))?.n === 1
    );
  }
}
