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
