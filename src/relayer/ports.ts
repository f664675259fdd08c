import type { Address, Hex } from "viem";
import type { BatchHeader, LedgerDomain, OperatorCredit, PayerCharge } from "../protocol";

/**
 * The relayer's view of the outside world. `createApp` and the batcher depend only on these
 * interfaces; `server.ts` wires the viem- and HTTP-backed implementations, tests wire fakes.
 */

/** A registered model as clients see it (active = not retired and at least one Active deployment). */
export type RegisteredModel = {
  id: bigint;
  name: string;
  locale: string;
  communityId: bigint;
  builder: Address;
  registeredAt: bigint;
};

export type ModelDeployment = { id: bigint; modelId: bigint; operator: Address; endpoint: string };

export type ModelDirectory = {
  /** Models that can serve right now (not retired, at least one Active deployment). */
  listActiveModels(): Promise<RegisteredModel[]>;
  /** A model by decimal id or registered name, or null when unknown or retired. */
  resolveModel(ref: string): Promise<RegisteredModel | null>;
  /** The model's Active deployments (Paused and Removed ones are never served). */
  activeDeployments(modelId: bigint): Promise<ModelDeployment[]>;
  /** ModelRegistry.priceOf: token units (wei) charged per call served now. */
  priceOf(modelId: bigint): Promise<bigint>;
};

/** The chat.completion object an upstream answered with. */
export type ChatCompletion = Record<string, unknown>;

export type ForwardParameters = {
  deployment: ModelDeployment;
  /** The request as forwarded; `model` is the registered name until the operator's settings rename it. */
  body: Record<string, unknown>;
  signal?: AbortSignal;
};
export type ForwardReturnType = {
  completion: ChatCompletion;
  status: number;
  latencyMs: number;
  upstreamAddress: string;
};
/** One server-sent event of an upstream stream: its data as received and parsed. */
export type StreamEvent = { data: string; chunk: Record<string, unknown> };
export type ForwardStreamReturnType = {
  status: number;
  upstreamAddress: string;
  events: AsyncGenerator<StreamEvent, void, undefined>;
};

/**
 * Sends one chat completion request to a deployment (timeouts, size caps, the SSRF policy and the
 * operator's per-deployment credentials and model names bound in), answered whole or streamed.
 */
export type UpstreamForwarder = {
  complete(params: ForwardParameters): Promise<ForwardReturnType>;
  stream(params: ForwardParameters): Promise<ForwardStreamReturnType>;
};

export type EpochSchedule = { genesis: bigint; length: bigint; batchGracePeriod: bigint };

export type TransactionOutcome = "success" | "reverted" | "pending" | "dropped";

export type SubmitBatchParameters = {
  epoch: bigint;
  batchId: bigint;
  root: Hex;
  count: number;
  dataURI: string;
  dataHash: Hex;
};

/** UsageLedger as the relayer key sees it. */
export type LedgerClient = {
  readonly relayer: Address;
  readonly domain: LedgerDomain;
  readonly schedule: EpochSchedule;
  /** Timestamp of the latest block: the clock submission windows are judged by. */
  chainTime(): Promise<bigint>;
  lastBatchId(): Promise<bigint>;
  /**
   * UsageLedger.batchCommitment of the relayer's batch: the hash of its header (`hashBatchHeader`), or
   * null when there is none with that id.
   */
  batchCommitment(batchId: bigint): Promise<Hex | null>;
  /**
   * Broadcasts submitBatch and resolves with its hash and nonce without waiting for it to be mined.
   * A crash between broadcast and recording the hash is healed by reconciliation against the chain.
   */
  submitBatch(params: SubmitBatchParameters): Promise<{ txHash: Hex; nonce: number }>;
  /**
   * Waits for a transaction: "success" or "reverted" once mined, "pending" when it is still in the
   * mempool after the wait, "dropped" when the node does not know it (it can never land).
   */
  waitForTransaction(txHash: Hex): Promise<TransactionOutcome>;
  /** Native balance of the relayer key (it pays for submissions). */
  balance(): Promise<bigint>;
};

export type SettleBatchParameters = {
  batchId: bigint;
  /** The header the ledger committed (it stores only its hash); its epoch tags the protocol share. */
  batch: BatchHeader;
  charges: PayerCharge[];
  credits: OperatorCredit[];
};

/**
 * "settled" once the settleBatch transaction was mined; "already_settled" when FeeEscrow refused it
 * as a replay (a settlement sent before a crash landed).
 */
export type SettleBatchReturnType = { outcome: "settled" | "already_settled"; txHash: Hex | null };

/** FeeEscrow as the relayer key sees it. */
export type FeeEscrowClient = {
  /** FeeEscrow.availableOf: the payer's balance new calls may draw on (balance − thawing). */
  availableOf(payer: Address): Promise<bigint>;
  /** FeeEscrow.settleBatch for a batch this relayer committed; waits for the transaction. */
  settleBatch(params: SettleBatchParameters): Promise<SettleBatchReturnType>;
};

/**
 * The chain's time in unix seconds (the relayer's ChainClock; tests inject one that follows a moved
 * chain). now() throws a 503 chain_unavailable RelayerError when the chain's time is not known.
 */
export type Clock = { now(): bigint };
