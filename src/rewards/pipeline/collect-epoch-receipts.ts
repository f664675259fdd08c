import { type Address, type Hex, hexToBytes, isAddressEqual } from "viem";
import { type BatchFile, BatchFileError, batchTree, parseBatchFile } from "../../protocol/batch-file";
import { keccak256Bytes } from "../../protocol/keccak";
import { CLOCK_SKEW_TOLERANCE_SECONDS } from "../../protocol/clock-tolerance";
import { type LedgerDomain, hashReceipt } from "../../protocol/receipt";
import type { BatchEvent } from "./chain-history";
import { RewardsPipelineError } from "./errors";
import type { RegistrySnapshot } from "./registry-snapshot";
import type { RelayerAuthority } from "./relayer-authority";
import { ReceiptStore } from "./receipt-store";
import type { SignaturePool } from "./signature-pool";
import { fileKeccak256 } from "./file-hash";

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

/**
 * Indexes of the receipts of a batch of `count` to check: every one when the batch is no larger
 * than the sample, else `perBatch` draws from keccak256(seed ‖ relayer ‖ batchId ‖ draw), sorted
 * and without repeats. Anyone with the chain gets the same indexes.
 */
export function sampleIndexes(seed: Hex, relayer: Address, batchId: bigint, count: number, perBatch: number): number[] {
  if (count <= perBatch) return Array.from({ length: count }, (_, i) => i);
  const input = new Uint8Array(32 + 20 + 32 + 4);
  input.set(hexToBytes(seed), 0);
  input.set(hexToBytes(relayer), 32);
  const view = new DataView(input.buffer);
  view.setBigUint64(32 + 20 + 24, batchId);
  const picked = new Set<number>();
  for (let draw = 0; draw < perBatch; draw++) {
    view.setUint32(32 + 20 + 32, draw);
    const digest = new DataView(keccak256Bytes(input).buffer);
    // 48 bits of the digest modulo a count below 2^32: the bias is under 2^-16.
    const value = digest.getUint32(0) * 0x10000 + digest.getUint16(4);
    picked.add(value % count);
  }
  return [...picked].sort((a, b) => a - b);
}

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
  /** The bytes of a batch's file (rewards-pipeline passes PublicDataSource.batchFile: mirrors, then its data URI). */
  fetchBatch: (batch: BatchEvent) => Promise<Uint8Array>;
  /** Default `{ mode: "full" }`. */
  verification?: ReceiptVerification;
  /** Count unreachable batch files as dropped instead of failing (the result then depends on availability). */
  skipUnavailableBatches?: boolean;
  onProgress?: (message: string) => void;
};

export type CollectEpochReceiptsReturnType = {
  store: ReceiptStore;
  drops: DropCounts;
  /** Up to DROP_SAMPLES_PER_REASON examples per reason, in chain order. */
  dropSamples: DropSample[];
  batches: BatchOutcome[];
};

export function emptyDropCounts(): DropCounts {
  return Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as DropCounts;
}

type Fetched = { ok: true; bytes: Uint8Array } | { ok: false; error: unknown };

/**
 * Fetches, checks and filters every batch of an epoch. A batch whose bytes do not hash to the
 * on-chain dataHash, or whose recomputed Merkle root (over receipt hashes recomputed from the
 * receipt fields, never the stored ones) differs from the on-chain root, is rejected whole.
 * Surviving receipts must be signed by the submitting relayer while it held the role, belong to
 * the epoch, not postdate their batch by more than CLOCK_SKEW_TOLERANCE_SECONDS, be new (by hash and by requestId) and name a registered
 * model, one of its deployments that existed when the call was served, and the model's community.
 */
export async function collectEpochReceipts(
  parameters: CollectEpochReceiptsParameters,
): Promise<CollectEpochReceiptsReturnType> {
  const { epoch, epochStart, epochEnd, domain, registry, relayers, pool } = parameters;
  const verification = parameters.verification ?? { mode: "full" };
  const store = new ReceiptStore(epoch);
  const drops = emptyDropCounts();
  const dropSamples: DropSample[] = [];
  const sample = (entry: DropSample) => {
    if (dropSamples.filter((d) => d.reason === entry.reason).length < DROP_SAMPLES_PER_REASON) dropSamples.push(entry);
  };
  const outcomes: BatchOutcome[] = [];
  const seenHashes = new Set<string>();
  const seenRequests = new Set<string>();
  const fetchOne = (batch: BatchEvent): Promise<Fetched> =>
    parameters.fetchBatch(batch).then(
      (bytes) => ({ ok: true as const, bytes }),
      (error: unknown) => ({ ok: false as const, error }),
    );

  // One file is prefetched while the previous one is verified; only one batch's receipts are live at a time.
  let next = parameters.batches.length > 0 ? fetchOne(parameters.batches[0]!) : undefined;
  for (let b = 0; b < parameters.batches.length; b++) {
    const batch = parameters.batches[b]!;
    const fetched = await next!;
    next = b + 1 < parameters.batches.length ? fetchOne(parameters.batches[b + 1]!) : undefined;
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
    if (fileKeccak256(fetched.bytes) !== batch.dataHash.toLowerCase()) {
      reject("tampered", "file bytes do not hash to the on-chain dataHash");
      continue;
    }
    let file: BatchFile;
    try {
      file = parseBatchFile(fetched.bytes);
    } catch (error) {
      if (!(error instanceof BatchFileError)) throw error;
      reject("tampered", `malformed batch file: ${error.reason}`);
      continue;
    }
    const header =
      file.chainId !== BigInt(domain.chainId)
        ? "chain id"
        : !isAddressEqual(file.ledger, domain.ledger)
          ? "ledger"
          : !isAddressEqual(file.relayer, batch.relayer)
            ? "relayer"
            : file.batchId !== batch.batchId
              ? "batch id"
              : file.epoch !== batch.epoch
                ? "epoch"
                : file.receipts.length !== batch.count
                  ? "receipt count"
                  : null;
    if (header !== null) {
      reject("tampered", `the file's ${header} differs from the on-chain batch`);
      continue;
    }
    let signers: (Address | null)[] | null = null;
    let hashes: Hex[] | null = null;
    if (verification.mode === "sampled") {
      // The relayer committed these bytes; the root it committed must be the tree of their hashes.
      const stored = file.receipts.map((r) => r.hash);
      if (batchTree(stored).root.toLowerCase() !== batch.root.toLowerCase()) {
        reject("tampered", "recomputed Merkle root differs from the on-chain root");
        continue;
      }
      const picks = sampleIndexes(
        verification.seed,
        batch.relayer,
        batch.batchId,
        file.receipts.length,
        verification.perBatch,
      );
      const recovered = await pool.recover(picks.map((i) => file.receipts[i]!));
      const passed = picks.every((i, k) => {
        const { receipt, hash } = file.receipts[i]!;
        return (
          hashReceipt(receipt, domain) === hash && recovered[k] !== null && isAddressEqual(recovered[k]!, batch.relayer)
        );
      });
      if (passed) outcome.verified = "sampled";
      else {
        outcome.verified = "full-after-failed-sample";
        parameters.onProgress?.(
          `epoch ${epoch}: a sampled receipt of batch ${batch.batchId} (${batch.relayer}) failed; verifying the whole batch`,
        );
      }
    }
    if (outcome.verified !== "sampled") {
      const recomputed: Hex[] = file.receipts.map((r) => hashReceipt(r.receipt, domain));
      const root = batchTree(recomputed).root;
      if (root.toLowerCase() !== batch.root.toLowerCase()) {
        reject("tampered", "recomputed Merkle root differs from the on-chain root");
        continue;
      }
      hashes = recomputed;
      signers = await pool.recover(file.receipts.map((r, i) => ({ hash: recomputed[i]!, signature: r.signature })));
    }

    file.receipts.forEach(({ receipt, attribution }, i) => {
      // A sampled batch's receipts are the submitting relayer's: it committed them on chain.
      const signer = signers === null ? batch.relayer : signers[i];
      const drop = ((): DropReason | null => {
        if (!signer) return "bad_signature";
        if (!isAddressEqual(signer, batch.relayer) || !relayers.authorizedAt(signer, receipt.timestamp)) {
          return "unauthorized_signer";
        }
        if (receipt.epoch !== epoch || receipt.timestamp < epochStart || receipt.timestamp >= epochEnd)
          return "wrong_epoch";
        // Relayers date receipts on their estimate of the chain's clock; block-time jitter may put one
        // a little after its batch's block, beyond the documented tolerance it is inconsistent.
        if (receipt.timestamp > batch.timestamp + CLOCK_SKEW_TOLERANCE_SECONDS) return "future_timestamp";
        // Equal hashes mean equal request ids, so the request id alone finds every duplicate; the
        // hash set is kept where hashes were recomputed, as the reference does.
        if (seenRequests.has(receipt.requestId) || (hashes !== null && seenHashes.has(hashes[i]!))) return "duplicate";
        const model = registry.models.get(receipt.modelId);
        if (!model) return "unknown_model";
        const deployment = model.deployments.get(receipt.deploymentId);
        if (!deployment || deployment.addedAt > receipt.timestamp) return "unknown_deployment";
        if (receipt.communityId !== model.communityId) return "wrong_community";
        return null;
      })();
      if (drop) {
        drops[drop]++;
        sample({
          reason: drop,
          relayer: batch.relayer,
          batchId: batch.batchId,
          requestId: receipt.requestId,
          receiptTimestamp: receipt.timestamp,
          batchTimestamp: batch.timestamp,
        });
        return;
      }
      if (hashes !== null) seenHashes.add(hashes[i]!);
      seenRequests.add(receipt.requestId);
      store.add(receipt, attribution);
      outcome.accepted++;
    });
  }
  return { store, drops, dropSamples, batches: outcomes };
}
