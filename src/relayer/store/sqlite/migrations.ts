/**
 * Schema migrations, applied in order inside one transaction each and recorded in
 * `schema_migrations`. Never edit a shipped migration; append a new one.
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: "initial schema",
    sql: `
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        key_hash TEXT NOT NULL UNIQUE,
        prefix TEXT NOT NULL,
        owner TEXT NOT NULL,
        label TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      );
      CREATE INDEX api_keys_owner ON api_keys (owner);

      CREATE TABLE wallet_nonces (
        user TEXT NOT NULL,
        nonce TEXT NOT NULL,
        used_at INTEGER NOT NULL,
        PRIMARY KEY (user, nonce)
      ) WITHOUT ROWID;

      CREATE TABLE idempotency_keys (
        caller TEXT NOT NULL,
        key TEXT NOT NULL,
        body_hash TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'done')),
        response_status INTEGER,
        response_body TEXT,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (caller, key)
      ) WITHOUT ROWID;

      CREATE TABLE batches (
        relayer TEXT NOT NULL,
        batch_id INTEGER NOT NULL,
        epoch INTEGER NOT NULL,
        root TEXT NOT NULL,
        count INTEGER NOT NULL,
        data_uri TEXT NOT NULL,
        data_hash TEXT NOT NULL,
        file BLOB NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('sealed', 'submitted', 'confirmed')),
        sealed_at INTEGER NOT NULL,
        confirmed_at INTEGER,
        confirmed_tx TEXT,
        last_error TEXT,
        PRIMARY KEY (relayer, batch_id)
      );
      CREATE INDEX batches_status ON batches (status);

      CREATE TABLE batch_txs (
        tx_hash TEXT PRIMARY KEY,
        relayer TEXT NOT NULL,
        batch_id INTEGER NOT NULL,
        nonce INTEGER NOT NULL,
        sent_at INTEGER NOT NULL,
        FOREIGN KEY (relayer, batch_id) REFERENCES batches (relayer, batch_id) ON DELETE CASCADE
      );
      CREATE INDEX batch_txs_batch ON batch_txs (relayer, batch_id);

      CREATE TABLE receipts (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        request_id TEXT NOT NULL UNIQUE,
        receipt_hash TEXT NOT NULL UNIQUE,
        model_id TEXT NOT NULL,
        deployment_id TEXT NOT NULL,
        community_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        user_kind INTEGER NOT NULL,
        input_hash TEXT NOT NULL,
        output_hash TEXT NOT NULL,
        timestamp INTEGER NOT NULL,
        epoch INTEGER NOT NULL,
        fee TEXT NOT NULL,
        payer TEXT NOT NULL,
        user_auth TEXT NOT NULL,
        signature TEXT NOT NULL,
        signer TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('unbatched', 'batched', 'expired')),
        batch_relayer TEXT,
        batch_id INTEGER,
        created_at INTEGER NOT NULL,
        FOREIGN KEY (batch_relayer, batch_id) REFERENCES batches (relayer, batch_id)
      );
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
      CREATE TABLE fee_reservations (
        request_id TEXT PRIMARY KEY,
        payer TEXT NOT NULL,
        amount TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX fee_reservations_payer ON fee_reservations (payer);

      -- Confirmed batches whose fees FeeEscrow has settled (or that had none to settle).
      CREATE TABLE batch_settlements (
        relayer TEXT NOT NULL,
        batch_id INTEGER NOT NULL,
        total TEXT NOT NULL,
        tx_hash TEXT,
        settled_at INTEGER NOT NULL,
        PRIMARY KEY (relayer, batch_id),
        FOREIGN KEY (relayer, batch_id) REFERENCES batches (relayer, batch_id) ON DELETE CASCADE
      );
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
    sql: `
      -- attribution: JSON of the normalized list the hash commits to, NULL when nothing was cited.
      -- Rows from before hold receipts signed without the field (another type string): they cite
      -- nothing here, and only a ledger of that older protocol accepts them.
      ALTER TABLE receipts ADD COLUMN attribution_hash TEXT NOT NULL
        DEFAULT '0x0000000000000000000000000000000000000000000000000000000000000000';
      ALTER TABLE receipts ADD COLUMN attribution TEXT;
    `,
  },
];
