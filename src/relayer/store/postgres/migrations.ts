/**
 * The PostgreSQL schema: the SQLite schema's tables and column names (so rows read the same in
 * both backends), with NUMERIC for token amounts (summed in SQL) and BIGINT for ids and seconds.
 * Applied in order, one transaction each, under an advisory lock so replicas starting together
 * migrate once. Never edit a shipped migration; append a new one.
 */
export const PG_MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: "relayer schema for replicas",
    sql: `
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        key_hash TEXT NOT NULL UNIQUE,
        prefix TEXT NOT NULL,
        owner TEXT NOT NULL,
        label TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        revoked_at BIGINT
      );
      CREATE INDEX api_keys_owner ON api_keys (owner);

      CREATE TABLE wallet_nonces (
        "user" TEXT NOT NULL,
        nonce TEXT NOT NULL,
        used_at BIGINT NOT NULL,
        PRIMARY KEY ("user", nonce)
      );

      -- owner: the relayer address of the replica holding a pending key.
      CREATE TABLE idempotency_keys (
        caller TEXT NOT NULL,
        key TEXT NOT NULL,
        body_hash TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'done')),
        owner TEXT NOT NULL,
        response_status INTEGER,
        response_body TEXT,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (caller, key)
      );
      CREATE INDEX idempotency_keys_pending ON idempotency_keys (owner) WHERE state = 'pending';

      CREATE TABLE batches (
        relayer TEXT NOT NULL,
        batch_id BIGINT NOT NULL,
        epoch BIGINT NOT NULL,
        root TEXT NOT NULL,
        count INTEGER NOT NULL,
        data_uri TEXT NOT NULL,
        data_hash TEXT NOT NULL,
        file BYTEA NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('sealed', 'submitted', 'confirmed')),
        sealed_at BIGINT NOT NULL,
        confirmed_at BIGINT,
        confirmed_tx TEXT,
        last_error TEXT,
        PRIMARY KEY (relayer, batch_id)
      );
      CREATE INDEX batches_status ON batches (status);

      CREATE TABLE batch_txs (
        tx_hash TEXT PRIMARY KEY,
        relayer TEXT NOT NULL,
        batch_id BIGINT NOT NULL,
        nonce BIGINT NOT NULL,
        sent_at BIGINT NOT NULL,
        FOREIGN KEY (relayer, batch_id) REFERENCES batches (relayer, batch_id) ON DELETE CASCADE
      );
      CREATE INDEX batch_txs_batch ON batch_txs (relayer, batch_id);

      CREATE TABLE receipts (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        request_id TEXT NOT NULL UNIQUE,
        receipt_hash TEXT NOT NULL UNIQUE,
        model_id TEXT NOT NULL,
        deployment_id TEXT NOT NULL,
        community_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        user_kind INTEGER NOT NULL,
        input_hash TEXT NOT NULL,
        output_hash TEXT NOT NULL,
        timestamp BIGINT NOT NULL,
        epoch BIGINT NOT NULL,
        fee NUMERIC(78, 0) NOT NULL,
        payer TEXT NOT NULL,
        user_auth TEXT NOT NULL,
        signature TEXT NOT NULL,
        signer TEXT NOT NULL,
        operator TEXT,
        status TEXT NOT NULL CHECK (status IN ('unbatched', 'batched', 'expired')),
        batch_relayer TEXT,
        batch_id BIGINT,
        created_at BIGINT NOT NULL,
        FOREIGN KEY (batch_relayer, batch_id) REFERENCES batches (relayer, batch_id)
      );
      CREATE INDEX receipts_unbatched ON receipts (status, signer, epoch, seq);
      CREATE INDEX receipts_batch ON receipts (batch_relayer, batch_id);
      CREATE INDEX receipts_payer ON receipts (payer, status);

      -- Prices reserved against a payer's escrow for calls in flight on any replica (owner: its
      -- relayer address); deleted in the transaction that stores the call's receipt, when the call
      -- fails, or when the owning replica starts again after a crash.
      CREATE TABLE fee_reservations (
        request_id TEXT PRIMARY KEY,
        payer TEXT NOT NULL,
        amount NUMERIC(78, 0) NOT NULL,
        owner TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX fee_reservations_payer ON fee_reservations (payer);
      CREATE INDEX fee_reservations_owner ON fee_reservations (owner);

      CREATE TABLE batch_settlements (
        relayer TEXT NOT NULL,
        batch_id BIGINT NOT NULL,
        total NUMERIC(78, 0) NOT NULL,
        tx_hash TEXT,
        settled_at BIGINT NOT NULL,
        PRIMARY KEY (relayer, batch_id),
        FOREIGN KEY (relayer, batch_id) REFERENCES batches (relayer, batch_id) ON DELETE CASCADE
      );

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
