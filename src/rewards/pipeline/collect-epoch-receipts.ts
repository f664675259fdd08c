import { type Address, type Hex, isAddressEqual } from "viem";
import { CLOCK_SKEW_TOLERANCE_SECONDS } from "../../protocol/clock-tolerance";
import type { LedgerDomain } from "../../protocol/receipt";
import type { CheckBatchFileReturnType } from "./batch-check";
import type { BatchCheckPool } from "./batch-check-pool";
import type { BatchEvent } from "./chain-history";
import { RewardsPipelineError } from "./errors";
import type { RegistrySnapshot } from "./registry-snapshot";
import type { RelayerAuthority } from "./relayer-authority";
import { bytes32ToHex } from "../../protocol/merkle";
import { type ReceiptColumns, integerReader, wordOffset } from "./receipt-columns";
import type { SignaturePool } from "./signature-pool";
import { WordSet } from "./word-set";

/** Why a receipt did not count. Batch-level reasons count every receipt the chain says the batch holds. */
export const DROP_REASONS = [
  "tampered_batch",
  "unavailable_batch",
  "bad_signature",
  "unauthorized_signer",
  "wrong_epoch",
  "future_timestamp",
  "duplicate",
  "unknown_model",
  "unknown_deployment",
  "wrong_community",
] as const;
export type DropReason = (typeof DROP_REASONS)[number];
export type DropCounts = Record<DropReason, number>;

/** One dropped receipt (or, for a batch-level reason, the batch) named so a person can look it up. */
export type DropSample = {
  reason: DropReason;
  relayer: Address;
  batchId: bigint;
  /** Null for batch-level reasons (the whole batch was dropped). */
  requestId: Hex | null;
  receiptTimestamp: bigint | null;
  batchTimestamp: bigint;
};

/** How many samples per reason are kept: enough to find the cause, bounded for a million drops. */
export const DROP_SAMPLES_PER_REASON = 5;

export type BatchOutcome = {
  relayer: Address;
  batchId: bigint;
  block: bigint;
  dataURI: string;
  count: number;
  status: "accepted" | "tampered" | "unavailable";
  /** Why a batch was rejected; null when accepted. */
  reason: string | null;
  accepted: number;
  /**
   * How the batch's receipts were checked: every hash and signature (`full`), or a seeded sample
   * that all passed (`sampled`); a failed sample verifies the whole batch and says so here.
   */
  verified: "full" | "sampled" | "full-after-failed-sample";
};

/**
 * How receipt signatures (and the receipt hashes the batch root commits to) are checked; see
 * docs/rewards.md, "Receipt verification". `full` is the reference: every receipt's hash is
 * recomputed from its fields and every signature recovered. `sampled` trusts a relayer's committed
 * batch for inclusion (file bytes = on-chain dataHash, root recomputed over the file's receipt
 * hashes) and checks `perBatch` receipts per batch chosen from `seed`, a block hash nobody knew
 * when the batch was committed; if any of them fails, the whole batch is verified in full.
 */
export type ReceiptVerification = { mode: "full" } | { mode: "sampled"; seed: Hex; perBatch: number };

/** Receipts checked per batch in sampled mode (docs/rewards.md gives the detection odds). */
export const DEFAULT_SAMPLES_PER_BATCH = 32;

export type CollectEpochReceiptsParameters = {
  epoch: bigint;
  epochStart: bigint;
  epochEnd: bigint;
  domain: LedgerDomain;
  /** BatchSubmitted events naming this epoch, in chain order. */
  batches: readonly BatchEvent[];
  registry: RegistrySnapshot;
  relayers: RelayerAuthority;
  pool: SignaturePool;
  /** Checks the batch files on worker threads (file hash, parsing, header, root). */
  checker: BatchCheckPool;
  /**
   * The bytes of a batch's file (rewards-pipeline passes PublicDataSource.batchFile: mirrors, then
   * its data URI). They are moved to a worker thread (BatchCheckPool.check): return bytes nobody keeps.
   */
  fetchBatch: (batch: BatchEvent) => Promise<Uint8Array>;
  /** Default `{ mode: "full" }`. */
  verification?: ReceiptVerification;
  /** Count unreachable batch files as dropped instead of failing (the result then depends on availability). */
  skipUnavailableBatches?: boolean;
  onProgress?: (message: string) => void;
  /**
   * Takes each batch's accepted receipts as they are filtered, in chain order: the accepted rows
   * (ascending) of the batch's columns. Nothing keeps them after this returns, so an epoch's
   * receipts are counted while later files are still being checked instead of held until the last.
   */
  accept: (columns: ReceiptColumns, rows: readonly number[]) => void;
};

export type CollectEpochReceiptsReturnType = {
  /** Receipts accepted (given to `accept`). */
  accepted: number;
  drops: DropCounts;
  /** Up to DROP_SAMPLES_PER_REASON examples per reason, in chain order. */
  dropSamples: DropSample[];
  batches: BatchOutcome[];
};

const timestampOf = integerReader("timestamp");
const epochOf = integerReader("epoch");
const modelOf = integerReader("modelId");
const deploymentOf = integerReader("deploymentId");
const communityOf = integerReader("communityId");
const requestIdAt = wordOffset("requestId");

export function emptyDropCounts(): DropCounts {
  return Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as DropCounts;
}

type Fetched = { ok: true; bytes: Uint8Array } | { ok: false; error: unknown };
type Prepared = { fetched: Fetched; checked: CheckBatchFileReturnType | null };

/**
 * Fetches, checks and filters every batch of an epoch. A batch whose bytes do not hash to the
 * on-chain dataHash, or whose recomputed Merkle root (over receipt hashes recomputed from the
 * receipt fields, never the stored ones) differs from the on-chain root, is rejected whole.
 * Surviving receipts must be signed by the submitting relayer while it held the role, belong to
 * the epoch, not postdate their batch by more than CLOCK_SKEW_TOLERANCE_SECONDS, be new (by hash and by requestId) and name a registered
 * model, one of its deployments that existed when the call was served, and the model's community.
 * Files are checked on worker threads (checkBatchFile), a few batches ahead; their results are
 * applied on this thread in chain order, so duplicates and drops are the same as one by one.
 */
export async function collectEpochReceipts(
  parameters: CollectEpochReceiptsParameters,
): Promise<CollectEpochReceiptsReturnType> {
  const { epoch, epochStart, epochEnd, domain, registry, relayers, pool, checker } = parameters;
  const verification = parameters.verification ?? { mode: "full" };
  let acceptedTotal = 0;
  const drops = emptyDropCounts();
  const dropSamples: DropSample[] = [];
  const sample = (entry: DropSample) => {
    if (dropSamples.filter((d) => d.reason === entry.reason).length < DROP_SAMPLES_PER_REASON) dropSamples.push(entry);
  };
  const outcomes: BatchOutcome[] = [];
  const seenHashes = new Set<string>();
  const seenRequests = new WordSet(parameters.batches.reduce((n, b) => n + b.count, 0));
  const check = (batch: BatchEvent, bytes: Uint8Array, mode: ReceiptVerification["mode"]) =>
    checker.check(
      {
        bytes,
        batch,
        domain,
        check:
          mode === "sampled" && verification.mode === "sampled"
            ? { mode, seed: verification.seed, perBatch: verification.perBatch }
            : { mode: "full" },
      },
      `batch ${batch.batchId} of relayer ${batch.relayer} (${batch.dataURI})`,
    );
  const prepare = (batch: BatchEvent): Promise<Prepared> =>
    parameters.fetchBatch(batch).then(
      async (fetchedBytes) => {
        // The worker hands the bytes back: a failed sample checks them again in full.
        const { result, bytes } = await check(batch, fetchedBytes, verification.mode);
        return { fetched: { ok: true, bytes }, checked: result };
      },
      (error: unknown) => ({ fetched: { ok: false, error }, checked: null }),
    );

  // Two batches per worker are fetched and checked ahead, so no worker waits for the main thread;
  // the bound keeps a few files' bytes alive, not the epoch's.
  const ahead: Promise<Prepared>[] = [];
  let started = 0;
  const window = 2 * checker.threads;
  for (let b = 0; b < parameters.batches.length; b++) {
    while (started < parameters.batches.length && ahead.length < window) {
      const prepared = prepare(parameters.batches[started++]!);
      // Awaited in order below; a failure further ahead must not surface as an unhandled rejection first.
      prepared.catch(() => undefined);
      ahead.push(prepared);
    }
    const batch = parameters.batches[b]!;
    const { fetched, checked } = await ahead.shift()!;
    parameters.onProgress?.(
      `epoch ${epoch}: batch ${b + 1}/${parameters.batches.length} (${batch.relayer} #${batch.batchId})`,
    );
    const outcome: BatchOutcome = {
      relayer: batch.relayer,
      batchId: batch.batchId,
      block: batch.block,
      dataURI: batch.dataURI,
      count: batch.count,
      status: "accepted",
      reason: null,
      accepted: 0,
      verified: "full",
    };
    outcomes.push(outcome);
    const reject = (status: "tampered" | "unavailable", reason: string) => {
      outcome.status = status;
      outcome.reason = reason;
      const drop = status === "tampered" ? "tampered_batch" : "unavailable_batch";
      drops[drop] += batch.count;
      sample({
        reason: drop,
        relayer: batch.relayer,
        batchId: batch.batchId,
        requestId: null,
        receiptTimestamp: null,
        batchTimestamp: batch.timestamp,
      });
    };

    if (!fetched.ok) {
      const reason = fetched.error instanceof Error ? fetched.error.message : String(fetched.error);
      if (!parameters.skipUnavailableBatches) {
        throw new RewardsPipelineError(
          `Batch ${batch.batchId} of relayer ${batch.relayer} is unavailable: ${reason} (pass skipUnavailableBatches to count it as dropped).`,
          { cause: fetched.error },
        );
      }
      reject("unavailable", reason);
      continue;
    }
    let result = checked!;
    if (!result.ok) {
      reject("tampered", result.reason);
      continue;
    }
    if (verification.mode === "sampled") {
      const recovered = await pool.recover(result.signatures);
      const passed =
        result.sampleHashesMatch &&
        recovered.every((signer) => signer !== null && isAddressEqual(signer, batch.relayer));
      if (passed) outcome.verified = "sampled";
      else {
        outcome.verified = "full-after-failed-sample";
        parameters.onProgress?.(
          `epoch ${epoch}: a sampled receipt of batch ${batch.batchId} (${batch.relayer}) failed; verifying the whole batch`,
        );
        ({ result } = await check(batch, fetched.bytes, "full"));
        if (!result.ok) {
          reject("tampered", result.reason);
          continue;
        }
      }
    }
    // Full verification: every signature recovered over the hash recomputed from the receipt's fields.
    const signers = outcome.verified === "sampled" ? null : await pool.recover(result.signatures);
    const { columns, signatures } = result;
    const words = columns.words;
    const latestTimestamp = batch.timestamp + CLOCK_SKEW_TOLERANCE_SECONDS;
    // Why row i does not count, or null; made once per batch, not once per receipt.
    const reasonOf = (i: number, requestAt: number, timestamp: bigint, hash: Hex | null): DropReason | null => {
      // A sampled batch's receipts are the submitting relayer's: it committed them on chain.
      const signer = signers === null ? batch.relayer : signers[i];
      if (!signer) return "bad_signature";
      if ((signers !== null && !isAddressEqual(signer, batch.relayer)) || !relayers.authorizedAt(signer, timestamp)) {
        return "unauthorized_signer";
      }
      if (epochOf(columns, i) !== epoch || timestamp < epochStart || timestamp >= epochEnd) return "wrong_epoch";
      // Relayers date receipts on their estimate of the chain's clock; block-time jitter may put one
      // a little after its batch's block, beyond the documented tolerance it is inconsistent.
      if (timestamp > latestTimestamp) return "future_timestamp";
      // Equal hashes mean equal request ids, so the request id alone finds every duplicate; the
      // hash set is kept where hashes were recomputed, as the reference does.
      if (seenRequests.has(words, requestAt) || (hash !== null && seenHashes.has(hash))) return "duplicate";
      const model = registry.models.get(modelOf(columns, i));
      if (!model) return "unknown_model";
      const deployment = model.deployments.get(deploymentOf(columns, i));
      if (!deployment || deployment.addedAt > timestamp) return "unknown_deployment";
      if (communityOf(columns, i) !== model.communityId) return "wrong_community";
      return null;
    };
    const accepted: number[] = [];
    for (let i = 0; i < columns.count; i++) {
      // Request ids are compared as their 32 bytes where they lie; the hex is written only for the
      // few that are dropped.
      const at = requestIdAt(i);
      const timestamp = timestampOf(columns, i);
      const hash = signers === null ? null : signatures[i]!.hash;
      const drop = reasonOf(i, at, timestamp, hash);
      if (drop) {
        drops[drop]++;
        sample({
          reason: drop,
          relayer: batch.relayer,
          batchId: batch.batchId,
          requestId: bytes32ToHex(columns.words, at),
          receiptTimestamp: timestamp,
          batchTimestamp: batch.timestamp,
        });
        continue;
      }
      if (hash !== null) seenHashes.add(hash);
      seenRequests.add(words, at);
      accepted.push(i);
    }
    parameters.accept(columns, accepted);
    acceptedTotal += accepted.length;
    outcome.accepted += accepted.length;
  }
  return { accepted: acceptedTotal, drops, dropSamples, batches: outcomes };
}
