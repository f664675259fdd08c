import type { Address, Hex } from "viem";
import type { BatchCommitment } from "../../protocol/batch-file";
import type { InferenceReceipt } from "../../protocol";
import type { AttributedEntry } from "../../protocol/attribution";

/**
 * The relayer store as one asynchronous interface with two implementations: SQLite (embedded,
 * one process) and PostgreSQL (shared by replicas). Every guarantee the relayer gives (one receipt
 * per idempotency key, one use per wallet nonce, no spend beyond a payer's escrow balance, shared
 * rate limits) is enforced by the database, never by one process's memory.
 */

export type ApiKeyRecord = {
  id: string;
  prefix: string;
  owner: Address;
  label: string;
  createdAt: number;
  revokedAt: number | null;
};

export type ReceiptStatus = "unbatched" | "batched" | "expired";

/** A signed receipt as the relayer keeps it. */
export type StoredReceipt = {
  seq: number;
  receipt: InferenceReceipt;
  hash: Hex;
  signature: Hex;
  signer: Address;
  /** The dataset entries `receipt.attributionHash` commits to, normalized; empty when the answer cited none. */
  attribution: AttributedEntry[];
  /** The serving deployment's operator (null for receipts stored before fees existed, all free). */
  operator: Address | null;
  status: ReceiptStatus;
  batch: { relayer: Address; batchId: bigint } | null;
};

export type NewReceipt = Pick<StoredReceipt, "receipt" | "hash" | "signature" | "signer" | "attribution"> & {
  operator: Address;
};

export type EpochBacklog = { epoch: bigint; count: number; oldestTimestamp: bigint };

export type BatchStatus = "sealed" | "submitted" | "confirmed";

export type StoredBatch = BatchCommitment & {
  status: BatchStatus;
  sealedAt: number;
  confirmedAt: number | null;
  confirmedTx: Hex | null;
  lastError: string | null;
};

export type BatchTx = { txHash: Hex; nonce: number; sentAt: number };

export type NewBatch = Pick<
  StoredBatch,
  "relayer" | "batchId" | "epoch" | "root" | "count" | "dataURI" | "dataHash"
> & {
  file: Uint8Array;
  sealedAt: number;
};

export type IdempotencyRecord =
  | { state: "pending"; bodyHash: Hex; createdAt: number; owner: string }
  | { state: "done"; bodyHash: Hex; createdAt: number; owner: string; status: number; body: string };

export type UnsettledBatch = { relayer: Address; batchId: bigint };

/** One fixed-window counter after a hit: how many hits it holds and when (ms since epoch) it resets. */
export type RateLimitHit = { hits: number; resetAt: number };

export interface ReceiptsStore {
  /** Inserts an unbatched receipt; returns its sequence number. */
  insert(r: NewReceipt): Promise<number>;
  /** By request id or by receipt hash (both are 32-byte hex). */
  find(id: Hex): Promise<StoredReceipt | null>;
  /** Unbatched receipts signed by `signer`, one row per epoch, oldest epoch first. */
  backlog(signer: Address): Promise<EpochBacklog[]>;
  takeUnbatched(signer: Address, epoch: bigint, limit: number): Promise<StoredReceipt[]>;
  /** Moves receipts into a batch; throws when one of them is no longer unbatched. */
  assignBatch(seqs: readonly number[], relayer: Address, batchId: bigint): Promise<void>;
  inBatch(relayer: Address, batchId: bigint): Promise<StoredReceipt[]>;
  /** Puts a batch's receipts back in the queue (the batch never reached the chain). */
  release(relayer: Address, batchId: bigint): Promise<number>;
  /** Marks a never-committed batch's receipts expired and detaches them from it. */
  expireBatch(relayer: Address, batchId: bigint): Promise<number>;
  /** Marks every unbatched receipt of `epoch` by `signer` expired: its submission window has closed. */
  expireEpoch(signer: Address, epoch: bigint): Promise<number>;
  countByStatus(): Promise<Record<ReceiptStatus, number>>;
}

export interface BatchesStore {
  insert(b: NewBatch): Promise<void>;
  get(relayer: Address, batchId: bigint): Promise<StoredBatch | null>;
  /** The exact bytes committed on-chain through dataHash. */
  file(relayer: Address, batchId: bigint): Promise<Buffer | null>;
  maxBatchId(relayer: Address): Promise<bigint>;
  /** Batches not yet confirmed on-chain, lowest id first (the order they must be submitted in). */
  unconfirmed(relayer: Address): Promise<StoredBatch[]>;
  markSubmitted(relayer: Address, batchId: bigint): Promise<void>;
  markConfirmed(relayer: Address, batchId: bigint, txHash: Hex | null, at: number): Promise<void>;
  recordError(relayer: Address, batchId: bigint, message: string): Promise<void>;
  recordTx(relayer: Address, batchId: bigint, tx: BatchTx): Promise<void>;
  txs(relayer: Address, batchId: bigint): Promise<BatchTx[]>;
  /** Removes a batch that never reached the chain (its receipts must have been released first). */
  delete(relayer: Address, batchId: bigint): Promise<void>;
  countByStatus(): Promise<Record<BatchStatus, number>>;
}

export interface ApiKeysStore {
  insert(record: Omit<ApiKeyRecord, "revokedAt">, keyHash: Hex): Promise<void>;
  findActiveByHash(keyHash: Hex): Promise<ApiKeyRecord | null>;
  get(id: string): Promise<ApiKeyRecord | null>;
  list(owner?: Address): Promise<ApiKeyRecord[]>;
  revoke(id: string, at: number): Promise<boolean>;
}

/** Nonces of wallet-signed requests already accepted; a nonce is good for one request per user. */
export interface NoncesStore {
  /** Claims the nonce; false when it was already used (the request is a replay). */
  claim(user: Address, nonce: bigint, at: number): Promise<boolean>;
  release(user: Address, nonce: bigint): Promise<void>;
}

/**
 * Idempotency keys, scoped to the caller. A request reserves its key with an insert before doing
 * any work, so of many concurrent requests with one key (on any replica) exactly one proceeds.
 * `owner` names the process holding a pending key (its relayer address).
 */
export interface IdempotencyStore {
  /** Inserts a pending reservation; false when the key already has a row. */
  reserve(caller: string, key: string, bodyHash: Hex, owner: string, at: number): Promise<boolean>;
  get(caller: string, key: string): Promise<IdempotencyRecord | null>;
  complete(caller: string, key: string, status: number, body: string): Promise<void>;
  /** Drops a reservation whose request failed before producing a receipt, so the client may retry. */
  abandon(caller: string, key: string): Promise<void>;
  /** Drops the pending keys `owner` left when it died mid-request (none of them got a receipt). */
  abandonPendingOf(owner: string): Promise<number>;
}

/**
 * The relayer's side of FeeEscrow: prices reserved for calls in flight, and which committed batches
 * have been settled. A payer's unsettled spend is what the escrow will still be charged for calls
 * any replica answered or is answering: reservations plus fees of receipts not in a settled batch
 * (expired receipts are never committed, so never charged).
 */
export interface FeesStore {
  /**
   * Serializes fee checks of `payer` until the end of the transaction (a row lock in PostgreSQL; in
   * SQLite the write transaction already excludes every other writer). Call it first.
   */
  lockPayer(payer: Address): Promise<void>;
  /** Reservations plus charged-but-unsettled fees of `payer`. */
  unsettledSpend(payer: Address): Promise<bigint>;
  reserve(requestId: Hex, payer: Address, amount: bigint, owner: string, at: number): Promise<void>;
  /** Drops a reservation (the call failed, or its receipt now carries the fee). */
  release(requestId: Hex): Promise<void>;
  /** Drops every reservation `owner` holds: at its boot none of them can still become a receipt. */
  releaseAllOf(owner: string): Promise<number>;
  /** Confirmed batches of `relayer` not yet settled, lowest id first. */
  unsettledBatches(relayer: Address): Promise<UnsettledBatch[]>;
  markSettled(relayer: Address, batchId: bigint, total: bigint, txHash: Hex | null, at: number): Promise<void>;
  /** How many batches were recorded settled so far (it only grows). */
  settlementCount(): Promise<number>;
  isSettled(relayer: Address, batchId: bigint): Promise<boolean>;
}

/** Fixed-window hit counters shared by every process on the database. */
export interface RateLimitsStore {
  hit(key: string, windowMs: number, nowMs: number): Promise<RateLimitHit>;
  /** Takes back one hit (express-rate-limit's skip-on-success options). */
  unhit(key: string): Promise<void>;
  reset(key: string): Promise<void>;
}

/** The repositories, bound either to the store (each call on its own) or to one transaction. */
export type StoreRepos = {
  readonly receipts: ReceiptsStore;
  readonly batches: BatchesStore;
  readonly apiKeys: ApiKeysStore;
  readonly nonces: NoncesStore;
  readonly idempotency: IdempotencyStore;
  readonly fees: FeesStore;
};

export type StoreTx = StoreRepos & {
  /** Runs `fn` under a savepoint: when it throws, only its own writes are rolled back. */
  savepoint<T>(fn: () => Promise<T>): Promise<T>;
};

export type RelayerStore = StoreRepos & {
  readonly backend: "sqlite" | "postgres";
  /**
   * Shared rate-limit counters, or null when the store serves one process only (SQLite), where
   * express-rate-limit's in-memory counters are exact.
   */
  readonly rateLimits: RateLimitsStore | null;
  /**
   * Whether many small write transactions should be grouped into one (ReceiptWriter): true for
   * SQLite, where each commit is an fsync of the one file; PostgreSQL groups WAL flushes itself.
   */
  readonly groupCommit: boolean;
  /** Runs `fn` in one write transaction (all or nothing); `fn` must use only `tx`. */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  /** Whether a write transaction can be opened and committed right now. */
  isWritable(): Promise<boolean>;
  close(): Promise<void>;
};
