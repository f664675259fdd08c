import { ApiKeysRepo } from "./api-keys-repo";
import { BatchesRepo } from "./batches-repo";
import { type SqliteDatabase, openDatabase } from "./database";
import { FeesRepo } from "./fees-repo";
import { IdempotencyRepo } from "./idempotency-repo";
import { NoncesRepo } from "./nonces-repo";
import { ReceiptsRepo } from "./receipts-repo";

export type { ApiKeyRecord } from "./api-keys-repo";
export type { StoredBatch } from "./batches-repo";
export type { NewReceipt, StoredReceipt } from "./receipts-repo";
export type { SqliteDatabase } from "./database";

/** The relayer's durable state: one SQLite file. */
export type RelayerStore = {
  readonly db: SqliteDatabase;
  readonly receipts: ReceiptsRepo;
  readonly batches: BatchesRepo;
  readonly apiKeys: ApiKeysRepo;
  readonly nonces: NoncesRepo;
  readonly idempotency: IdempotencyRepo;
  readonly fees: FeesRepo;
  /** Runs `fn` in one IMMEDIATE transaction (all or nothing, one fsync). */
  transaction<T>(fn: () => T): T;
  /** Whether a write transaction can be opened and committed right now. */
  isWritable(): boolean;
  close(): void;
};

export function openStore(file: string): RelayerStore {
  const db = openDatabase(file);
  return {
    db,
    receipts: new ReceiptsRepo(db),
    batches: new BatchesRepo(db),
    apiKeys: new ApiKeysRepo(db),
    nonces: new NoncesRepo(db),
    idempotency: new IdempotencyRepo(db),
    fees: new FeesRepo(db),
    transaction: <T>(fn: () => T): T => db.transaction(fn).immediate(),
    isWritable() {
      try {
        db.exec("CREATE TABLE IF NOT EXISTS health_probe (at INTEGER)");
        db.transaction(() => {
          db.prepare("DELETE FROM health_probe").run();
          db.prepare("INSERT INTO health_probe (at) VALUES (?)").run(Date.now());
        }).immediate();
        return true;
      } catch {
        return false;
      }
    },
    close: () => db.close(),
  };
}
