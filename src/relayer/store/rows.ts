import { type Address, type Hex, getAddress } from "viem";
import type { UserKind } from "../../protocol";
import type { AttributedEntry } from "../../protocol/attribution";
import type {
  ApiKeyRecord,
  BatchStatus,
  IdempotencyRecord,
  NewReceipt,
  ReceiptStatus,
  StoredBatch,
  StoredReceipt,
} from "./types";

/**
 * Row shapes shared by both backends: the two schemas use the same column names, and PostgreSQL
 * reads BIGINT columns as numbers (every one holds a value below 2^53: ids, seconds, counts).
 */

export type ApiKeyRow = {
  id: string;
  prefix: string;
  owner: string;
  label: string;
  created_at: number;
  revoked_at: number | null;
};

export function apiKeyFromRow(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    prefix: row.prefix,
    owner: row.owner as Address,
    label: row.label,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

export type ReceiptRow = {
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
  attribution_hash: string;
  /** JSON of the normalized list; null when the answer cited nothing. */
  attribution: string | null;
  signature: string;
  signer: string;
  operator: string | null;
  status: ReceiptStatus;
  batch_relayer: string | null;
  batch_id: number | null;
};

export function receiptFromRow(row: ReceiptRow): StoredReceipt {
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
      attributionHash: row.attribution_hash as Hex,
    },
    hash: row.receipt_hash as Hex,
    signature: row.signature as Hex,
    signer: row.signer as Address,
    // Written by receiptValues from a checked list: the store's own data, read back as written.
    attribution: row.attribution === null ? [] : (JSON.parse(row.attribution) as AttributedEntry[]),
    operator: row.operator as Address | null,
    status: row.status,
    batch:
      row.batch_relayer !== null && row.batch_id !== null
        ? { relayer: row.batch_relayer as Address, batchId: BigInt(row.batch_id) }
        : null,
  };
}

/** A new receipt's column values, in the order of RECEIPT_INSERT_COLUMNS. */
export function receiptValues(r: NewReceipt, createdAt: number): (string | number | null)[] {
  const x = r.receipt;
  return [
    x.requestId.toLowerCase(),
    r.hash.toLowerCase(),
    x.modelId.toString(),
    x.deploymentId.toString(),
    x.communityId.toString(),
    x.userId.toLowerCase(),
    x.userKind,
    x.inputHash.toLowerCase(),
    x.outputHash.toLowerCase(),
    Number(x.timestamp),
    Number(x.epoch),
    x.fee.toString(),
    getAddress(x.payer),
    x.userAuth.toLowerCase(),
    x.attributionHash.toLowerCase(),
    r.attribution.length === 0 ? null : JSON.stringify(r.attribution),
    r.signature.toLowerCase(),
    r.signer,
    getAddress(r.operator),
    createdAt,
  ];
}

export const RECEIPT_INSERT_COLUMNS =
  "request_id, receipt_hash, model_id, deployment_id, community_id, user_id, user_kind, input_hash, output_hash, " +
  "timestamp, epoch, fee, payer, user_auth, attribution_hash, attribution, signature, signer, operator, created_at";
export const RECEIPT_INSERT_COLUMN_COUNT = RECEIPT_INSERT_COLUMNS.split(", ").length;

export type BatchRow = {
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

export const BATCH_COLUMNS =
  "relayer, batch_id, epoch, root, count, data_uri, data_hash, status, sealed_at, confirmed_at, confirmed_tx, last_error";

export function batchFromRow(row: BatchRow): StoredBatch {
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

export type IdempotencyRow = {
  body_hash: string;
  state: "pending" | "done";
  owner: string;
  response_status: number | null;
  response_body: string | null;
  created_at: number;
};

export function idempotencyFromRow(row: IdempotencyRow): IdempotencyRecord {
  const base = { bodyHash: row.body_hash as Hex, createdAt: row.created_at, owner: row.owner };
  if (row.state === "done" && row.response_status !== null && row.response_body !== null) {
    return { state: "done", ...base, status: row.response_status, body: row.response_body };
  }
  return { state: "pending", ...base };
}

export function emptyReceiptCounts(): Record<ReceiptStatus, number> {
  return { unbatched: 0, batched: 0, expired: 0 };
}

export function emptyBatchCounts(): Record<BatchStatus, number> {
  return { sealed: 0, submitted: 0, confirmed: 0 };
}

/** A column's type in both schemas: a backend's migrations map each kind to its dialect's type. */
export type ColumnKind =
  /** Text both ways. */
  | "text"
  /** Fits 32 bits: INTEGER both ways. */
  | "integer"
  /** Ids, seconds and nonces: SQLite INTEGER, PostgreSQL BIGINT. */
  | "bigint"
  /** A token amount as a decimal string in SQLite, NUMERIC in PostgreSQL (summed in SQL). */
  | "amount"
  | "bytes"
  /** The receipts' insertion order, assigned by the database. */
  | "serial";

type ColumnSpec = readonly [name: string, kind: ColumnKind, constraints?: string];
type TableSpec = { columns: readonly ColumnSpec[]; constraints: readonly string[] };

/**
 * The tables both schemas share, as both migrations create them: each column's name, its kind and
 * its portable constraints, then the table constraints. Shipped migrations are built from these, so like them they never change: a new
 * column is added by a new migration in each backend (ALTER TABLE), not here.
 */
const SHARED_TABLES = {
  api_keys: {
    columns: [
      ["id", "text", "PRIMARY KEY"],
      ["key_hash", "text", "NOT NULL UNIQUE"],
      ["prefix", "text", "NOT NULL"],
      ["owner", "text", "NOT NULL"],
      ["label", "text", "NOT NULL"],
      ["created_at", "bigint", "NOT NULL"],
      ["revoked_at", "bigint"],
    ],
    constraints: [],
  },
  wallet_nonces: {
    columns: [
      ["user", "text", "NOT NULL"],
      ["nonce", "text", "NOT NULL"],
      ["used_at", "bigint", "NOT NULL"],
    ],
    constraints: ['PRIMARY KEY ("user", nonce)'],
  },
  idempotency_keys: {
    columns: [
      ["caller", "text", "NOT NULL"],
      ["key", "text", "NOT NULL"],
      ["body_hash", "text", "NOT NULL"],
      ["state", "text", "NOT NULL CHECK (state IN ('pending', 'done'))"],
      ["response_status", "integer"],
      ["response_body", "text"],
      ["created_at", "bigint", "NOT NULL"],
    ],
    constraints: ["PRIMARY KEY (caller, key)"],
  },
  batches: {
    columns: [
      ["relayer", "text", "NOT NULL"],
      ["batch_id", "bigint", "NOT NULL"],
      ["epoch", "bigint", "NOT NULL"],
      ["root", "text", "NOT NULL"],
      ["count", "integer", "NOT NULL"],
      ["data_uri", "text", "NOT NULL"],
      ["data_hash", "text", "NOT NULL"],
      ["file", "bytes", "NOT NULL"],
      ["status", "text", "NOT NULL CHECK (status IN ('sealed', 'submitted', 'confirmed'))"],
      ["sealed_at", "bigint", "NOT NULL"],
      ["confirmed_at", "bigint"],
      ["confirmed_tx", "text"],
      ["last_error", "text"],
    ],
    constraints: ["PRIMARY KEY (relayer, batch_id)"],
  },
  batch_txs: {
    columns: [
      ["tx_hash", "text", "PRIMARY KEY"],
      ["relayer", "text", "NOT NULL"],
      ["batch_id", "bigint", "NOT NULL"],
      ["nonce", "bigint", "NOT NULL"],
      ["sent_at", "bigint", "NOT NULL"],
    ],
    constraints: ["FOREIGN KEY (relayer, batch_id) REFERENCES batches (relayer, batch_id) ON DELETE CASCADE"],
  },
  receipts: {
    columns: [
      ["seq", "serial"],
      ["request_id", "text", "NOT NULL UNIQUE"],
      ["receipt_hash", "text", "NOT NULL UNIQUE"],
      ["model_id", "text", "NOT NULL"],
      ["deployment_id", "text", "NOT NULL"],
      ["community_id", "text", "NOT NULL"],
      ["user_id", "text", "NOT NULL"],
      ["user_kind", "integer", "NOT NULL"],
      ["input_hash", "text", "NOT NULL"],
      ["output_hash", "text", "NOT NULL"],
      ["timestamp", "bigint", "NOT NULL"],
      ["epoch", "bigint", "NOT NULL"],
      ["fee", "amount", "NOT NULL"],
      ["payer", "text", "NOT NULL"],
      ["user_auth", "text", "NOT NULL"],
      ["signature", "text", "NOT NULL"],
      ["signer", "text", "NOT NULL"],
      ["status", "text", "NOT NULL CHECK (status IN ('unbatched', 'batched', 'expired'))"],
      ["batch_relayer", "text"],
      ["batch_id", "bigint"],
      ["created_at", "bigint", "NOT NULL"],
    ],
    constraints: ["FOREIGN KEY (batch_relayer, batch_id) REFERENCES batches (relayer, batch_id)"],
  },
  fee_reservations: {
    columns: [
      ["request_id", "text", "PRIMARY KEY"],
      ["payer", "text", "NOT NULL"],
      ["amount", "amount", "NOT NULL"],
      ["created_at", "bigint", "NOT NULL"],
    ],
    constraints: [],
  },
  batch_settlements: {
    columns: [
      ["relayer", "text", "NOT NULL"],
      ["batch_id", "bigint", "NOT NULL"],
      ["total", "amount", "NOT NULL"],
      ["tx_hash", "text"],
      ["settled_at", "bigint", "NOT NULL"],
    ],
    constraints: [
      "PRIMARY KEY (relayer, batch_id)",
      "FOREIGN KEY (relayer, batch_id) REFERENCES batches (relayer, batch_id) ON DELETE CASCADE",
    ],
  },
} satisfies Record<string, TableSpec>;

type SharedTable = keyof typeof SHARED_TABLES;

/** `CREATE TABLE` for `name` with `types` (a backend's dialect), plus the columns only that backend creates with it. */
export function createTableSql(
  name: SharedTable,
  types: Readonly<Record<ColumnKind, string>>,
  extraColumns: readonly ColumnSpec[] = [],
): string {
  const table: TableSpec = SHARED_TABLES[name];
  const columns = [...table.columns, ...extraColumns].map(
    ([column, kind, constraints]) => `"${column}" ${types[kind]}${constraints ? ` ${constraints}` : ""}`,
  );
  return `CREATE TABLE ${name} (\n  ${[...columns, ...table.constraints].join(",\n  ")}\n)`;
}

/**
 * The attribution migration, the same statement in both dialects: `attribution` is JSON of the
 * normalized list the hash commits to, NULL when nothing was cited. Rows from before hold receipts
 * signed without the field (another type string): they cite nothing here, and only a ledger of
 * that older protocol accepts them.
 */
export const ATTRIBUTION_COLUMNS_SQL = `
  ALTER TABLE receipts ADD COLUMN attribution_hash TEXT NOT NULL
    DEFAULT '0x0000000000000000000000000000000000000000000000000000000000000000';
  ALTER TABLE receipts ADD COLUMN attribution TEXT;
`;
