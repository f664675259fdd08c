import { ATTRIBUTION_COLUMNS_SQL, type ColumnKind, createTableSql } from "../rows";

/** PostgreSQL's type for each column kind of the shared tables (rows.ts). */
const TYPES: Readonly<Record<ColumnKind, string>> = {
  text: "TEXT",
  integer: "INTEGER",
  bigint: "BIGINT",
  amount: "NUMERIC(78, 0)",
  bytes: "BYTEA",
  serial: "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
};

/**
 * The PostgreSQL schema: the SQLite schema's tables and column names (rows.ts, so rows read the same
 * in both backends), with NUMERIC for token amounts (summed in SQL) and BIGINT for ids and seconds.
 * Applied in order, one transaction each, under an advisory lock so replicas starting together
 * migrate once. Never edit a shipped migration; append a new one.
 */
export const PG_MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: "relayer schema for replicas",
    sql: `
      ${createTableSql("api_keys", TYPES)};
      CREATE INDEX api_keys_owner ON api_keys (owner);

      ${createTableSql("wallet_nonces", TYPES)};

      -- owner: the relayer address of the replica holding a pending key.
      ${createTableSql("idempotency_keys", TYPES, [["owner", "text", "NOT NULL"]])};
      CREATE INDEX idempotency_keys_pending ON idempotency_keys (owner) WHERE state = 'pending';

      ${createTableSql("batches", TYPES)};
      CREATE INDEX batches_status ON batches (status);

      ${createTableSql("batch_txs", TYPES)};
      CREATE INDEX batch_txs_batch ON batch_txs (relayer, batch_id);

      -- operator: the serving deployment's operator when the receipt was signed.
      ${createTableSql("receipts", TYPES, [["operator", "text"]])};
      CREATE INDEX receipts_unbatched ON receipts (status, signer, epoch, seq);
      CREATE INDEX receipts_batch ON receipts (batch_relayer, batch_id);
      CREATE INDEX receipts_payer ON receipts (payer, status);

      -- Prices reserved against a payer's escrow for calls in flight on any replica (owner: its
      -- relayer address); deleted in the transaction that stores the call's receipt, when the call
      -- fails, or when the owning replica starts again after a crash.
      ${createTableSql("fee_reservations", TYPES, [["owner", "text", "NOT NULL"]])};
      CREATE INDEX fee_reservations_payer ON fee_reservations (payer);
      CREATE INDEX fee_reservations_owner ON fee_reservations (owner);

      ${createTableSql("batch_settlements", TYPES)};

      -- Fixed-window rate-limit counters shared by the replicas (reset_at in ms since the epoch).
      CREATE TABLE rate_limits (
        key TEXT PRIMARY KEY,
        hits INTEGER NOT NULL,
        reset_at BIGINT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: "attribution: the receipt's attributionHash and the cited entries",
    sql: ATTRIBUTION_COLUMNS_SQL,
  },
];
