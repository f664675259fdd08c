import { type Address, type Hex, getAddress } from "viem";
import type { InferenceReceipt, UserKind } from "../../protocol";
import type { SqliteDatabase } from "./database";

export type ReceiptStatus = "unbatched" | "batched" | "expired";

/** A signed receipt as the relayer keeps it. */
export type StoredReceipt = {
  seq: number;
  receipt: InferenceReceipt;
  hash: Hex;
  signature: Hex;
  signer: Address;
  /** The serving deployment's operator (null for receipts stored before fees existed, all free). */
  operator: Address | null;
  status: ReceiptStatus;
  batch: { relayer: Address; batchId: bigint } | null;
};

export type NewReceipt = Pick<StoredReceipt, "receipt" | "hash" | "signature" | "signer"> & { operator: Address };

type ReceiptRow = {
  seq: number;
  request_id: string;
  receipt_hash: string;
  model_id: string;
  deployment_id: string;
  community_id: string;
  user_id: string;
  user_kind: number;
  input_hash: string;
  output_hash: string;
  timestamp: number;
  epoch: number;
  fee: string;
  payer: string;
  user_auth: string;
  signature: string;
  signer: string;
  operator: string | null;
  status: ReceiptStatus;
  batch_relayer: string | null;
  batch_id: number | null;
};

function fromRow(row: ReceiptRow): StoredReceipt {
  return {
    seq: row.seq,
    receipt: {
      requestId: row.request_id as Hex,
      modelId: BigInt(row.model_id),
      deploymentId: BigInt(row.deployment_id),
      communityId: BigInt(row.community_id),
      userId: row.user_id as Hex,
      userKind: row.user_kind as UserKind,
      inputHash: row.input_hash as Hex,
      outputHash: row.output_hash as Hex,
      timestamp: BigInt(row.timestamp),
      epoch: BigInt(row.epoch),
      fee: BigInt(row.fee),
      payer: row.payer as Address,
      userAuth: row.user_auth as Hex,
    },
    hash: row.receipt_hash as Hex,
    signature: row.signature as Hex,
    signer: row.signer as Address,
    operator: row.operator as Address | null,
    status: row.status,
    batch:
      row.batch_relayer !== null && row.batch_id !== null
        ? { relayer: row.batch_relayer as Address, batchId: BigInt(row.batch_id) }
        : null,
  };
}

export type EpochBacklog = { epoch: bigint; count: number; oldestTimestamp: bigint };

export class ReceiptsRepo {
  private readonly insertStmt;
  private readonly byRequestId;
  private readonly byHash;

  constructor(private readonly db: SqliteDatabase) {
    this.insertStmt = db.prepare(`
      INSERT INTO receipts (request_id, receipt_hash, model_id, deployment_id, community_id, user_id, user_kind,
        input_hash, output_hash, timestamp, epoch, fee, payer, user_auth, signature, signer, operator, status,
        created_at)
      VALUES (@requestId, @hash, @modelId, @deploymentId, @communityId, @userId, @userKind, @inputHash, @outputHash,
        @timestamp, @epoch, @fee, @payer, @userAuth, @signature, @signer, @operator, 'unbatched', @createdAt)`);
    this.byRequestId = db.prepare<[string], ReceiptRow>("SELECT * FROM receipts WHERE request_id = ?");
    this.byHash = db.prepare<[string], ReceiptRow>("SELECT * FROM receipts WHERE receipt_hash = ?");
  }

  insert(r: NewReceipt): number {
    const x = r.receipt;
    const info = this.insertStmt.run({
      requestId: x.requestId.toLowerCase(),
      hash: r.hash.toLowerCase(),
      modelId: x.modelId.toString(),
      deploymentId: x.deploymentId.toString(),
      communityId: x.communityId.toString(),
      userId: x.userId.toLowerCase(),
      userKind: x.userKind,
      inputHash: x.inputHash.toLowerCase(),
      outputHash: x.outputHash.toLowerCase(),
      timestamp: Number(x.timestamp),
      epoch: Number(x.epoch),
      fee: x.fee.toString(),
      payer: getAddress(x.payer),
      userAuth: x.userAuth.toLowerCase(),
      signature: r.signature.toLowerCase(),
      signer: r.signer,
      operator: getAddress(r.operator),
      createdAt: Math.floor(Date.now() / 1000),
    });
    return Number(info.lastInsertRowid);
  }

  /** By request id or by receipt hash (both are 32-byte hex). */
  find(id: Hex): StoredReceipt | null {
    const key = id.toLowerCase();
    const row = this.byRequestId.get(key) ?? this.byHash.get(key);
    return row ? fromRow(row) : null;
  }

  /** Unbatched receipts signed by `signer`, one row per epoch, oldest epoch first. */
  backlog(signer: Address): EpochBacklog[] {
    return this.db
      .prepare<[string], { epoch: number; count: number; oldest: number }>(
        `SELECT epoch, COUNT(*) AS count, MIN(timestamp) AS oldest FROM receipts
         WHERE status = 'unbatched' AND signer = ? GROUP BY epoch ORDER BY epoch`,
      )
      .all(signer)
      .map((r) => ({ epoch: BigInt(r.epoch), count: r.count, oldestTimestamp: BigInt(r.oldest) }));
  }

  takeUnbatched(signer: Address, epoch: bigint, limit: number): StoredReceipt[] {
    return this.db
      .prepare<[string, number, number], ReceiptRow>(
        `SELECT * FROM receipts WHERE status = 'unbatched' AND signer = ? AND epoch = ? ORDER BY seq LIMIT ?`,
      )
      .all(signer, Number(epoch), limit)
      .map(fromRow);
  }

  assignBatch(seqs: readonly number[], relayer: Address, batchId: bigint): void {
    const stmt = this.db.prepare(
      "UPDATE receipts SET status = 'batched', batch_relayer = ?, batch_id = ? WHERE seq = ? AND status = 'unbatched'",
    );
    for (const seq of seqs) {
      const info = stmt.run(relayer, Number(batchId), seq);
      if (info.changes !== 1) throw new Error(`receipt ${seq} is no longer unbatched`);
    }
  }

  inBatch(relayer: Address, batchId: bigint): StoredReceipt[] {
    return this.db
      .prepare<[string, number], ReceiptRow>(
        "SELECT * FROM receipts WHERE batch_relayer = ? AND batch_id = ? ORDER BY seq",
      )
      .all(relayer, Number(batchId))
      .map(fromRow);
  }

  /** Puts a batch's receipts back in the queue (the batch never reached the chain). */
  release(relayer: Address, batchId: bigint): number {
    return this.db
      .prepare(
        "UPDATE receipts SET status = 'unbatched', batch_relayer = NULL, batch_id = NULL WHERE batch_relayer = ? AND batch_id = ?",
      )
      .run(relayer, Number(batchId)).changes;
  }

  /** Marks a never-committed batch's receipts expired and detaches them from it. */
  expireBatch(relayer: Address, batchId: bigint): number {
    return this.db
      .prepare(
        "UPDATE receipts SET status = 'expired', batch_relayer = NULL, batch_id = NULL WHERE batch_relayer = ? AND batch_id = ?",
      )
      .run(relayer, Number(batchId)).changes;
  }

  /** Marks every unbatched receipt of `epoch` by `signer` expired: its submission window has closed. */
  expireEpoch(signer: Address, epoch: bigint): number {
    return this.db
      .prepare("UPDATE receipts SET status = 'expired' WHERE status = 'unbatched' AND signer = ? AND epoch = ?")
      .run(signer, Number(epoch)).changes;
  }

  countByStatus(): Record<ReceiptStatus, number> {
    const counts: Record<ReceiptStatus, number> = { unbatched: 0, batched: 0, expired: 0 };
    for (const row of this.db
      .prepare<[], { status: ReceiptStatus; n: number }>("SELECT status, COUNT(*) AS n FROM receipts GROUP BY status")
      .all())
      counts[row.status] = row.n;
    return counts;
  }
}
