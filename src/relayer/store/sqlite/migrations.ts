import { ATTRIBUTION_COLUMNS_SQL, type ColumnKind, createTableSql } from "../rows";

/** SQLite's type for each column kind of the shared tables (rows.ts). */
const TYPES: Readonly<Record<ColumnKind, string>> = {
  text: "TEXT",
  integer: "INTEGER",
  bigint: "INTEGER",
  amount: "TEXT",
  bytes: "BLOB",
  serial: "INTEGER PRIMARY KEY AUTOINCREMENT",
};

/**
 * Schema migrations, applied in order inside one transaction each and recorded in
 * `schema_migrations`. Never edit a shipped migration; append a new one.
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: "initial schema",
    sql: `
      ${createTableSql("api_keys", TYPES)};
      CREATE INDEX api_keys_owner ON api_keys (owner);

      ${createTableSql("wallet_nonces", TYPES)} WITHOUT ROWID;

      ${createTableSql("idempotency_keys", TYPES)} WITHOUT ROWID;

      ${createTableSql("batches", TYPES)};
      CREATE INDEX batches_status ON batches (status);

      ${createTableSql("batch_txs", TYPES)};
      CREATE INDEX batch_txs_batch ON batch_txs (relayer, batch_id);

      ${createTableSql("receipts", TYPES)};
      CREATE INDEX receipts_unbatched ON receipts (status, signer, epoch, seq);
      CREATE INDEX receipts_batch ON receipts (batch_relayer, batch_id);
    `,
  },
  {
    version: 2,
    name: "fees: reservations, receipt operators, batch settlements",
    sql: `
      -- The serving deployment's operator when the receipt was signed: the batch settlement credits it.
      ALTER TABLE receipts ADD COLUMN operator TEXT;
      CREATE INDEX receipts_payer ON receipts (payer, status);

      -- Prices reserved against a payer's escrow for calls still in flight; a row is deleted in the
      -- transaction that stores the call's receipt, or when the call fails, or at boot (a crash).
      ${createTableSql("fee_reservations", TYPES)} WITHOUT ROWID;
      CREATE INDEX fee_reservations_payer ON fee_reservations (payer);

      -- Confirmed batches whose fees FeeEscrow has settled (or that had none to settle).
      ${createTableSql("batch_settlements", TYPES)};
    `,
  },
  {
    version: 3,
    name: "replicas: owners of pending idempotency keys and fee reservations",
    sql: `
      -- The relayer address of the process holding the row: a restarting PostgreSQL replica drops only
      -- its own (a SQLite file has one process, which drops them all).
      ALTER TABLE idempotency_keys ADD COLUMN owner TEXT NOT NULL DEFAULT '';
      ALTER TABLE fee_reservations ADD COLUMN owner TEXT NOT NULL DEFAULT '';
    `,
  },
  {
    version: 4,
    name: "attribution: the receipt's attributionHash and the cited entries",
    sql: ATTRIBUTION_COLUMNS_SQL,
  },
];
