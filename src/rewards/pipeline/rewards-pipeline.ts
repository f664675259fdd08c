import type { Address, Hex } from "viem";
import { epochEnd, epochStart } from "../../protocol/epoch";
import type { LedgerDomain } from "../../protocol/receipt";
import { getEpochClock } from "../../sdk/actions/ledger/getEpochClock";
import type { KhoClient } from "../../sdk/client";
import { type CumulativeRewardTree, cumulativeAmounts } from "../../protocol/cumulative-tree";
import { type EpochRewardsResult, type RewardParams, type RewardParamsInput, resolveRewardParams } from "../core";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { type ChainHistory, blockHash, loadChainHistory } from "./chain-history";
import { BlockClock } from "./block-clock";
import {
  type BatchOutcome,
  DEFAULT_SAMPLES_PER_BATCH,
  type DropCounts,
  type DropSample,
  type ReceiptVerification,
} from "./collect-epoch-receipts";
import type { Mirror } from "../../protocol/mirror";
import { createPublicDataSource } from "./public-data-source";
import type { DatasetVersionInput } from "./dataset-credits";
import { computeEpochFromHistory, countEpochReceipts } from "./epoch-from-history";
import { loadWasmKeccak } from "../../protocol/wasm-keccak";
import { type DistributorHistory, loadDistributorHistory } from "../../sdk/actions/distributor/loadDistributorHistory";
import { RewardsPipelineError } from "./errors";
import { type EpochActivity, epochActivity, parseEpochActivity } from "./retention-activity";
import { type BatchCheckPool, createBatchCheckPool } from "./batch-check-pool";
import { type SignaturePool, createSignaturePool, defaultThreads } from "./signature-pool";

export type CreateRewardsPipelineParameters = {
  /** Read access is enough; the pipeline never sends a transaction. */
  client: KhoClient;
  /** Formula parameters; docs/rewards.md. Everyone recomputing an epoch must use the same ones. */
  params: RewardParamsInput;
  /** Worker threads for signature recovery, and as many for batch-file checks (default: available cores, at most 8). */
  threads?: number;
  /** Blocks per eth_getLogs call. */
  logChunk?: bigint;
  /** Fetches batch files, tree dumps and dataset version files (default: file:// and http(s):// via fetchDataUri). */
  fetchData?: (uri: string) => Promise<Uint8Array>;
  /**
   * Content-addressed mirrors asked for batch files, accepted trees and dataset version files
   * (named by their content hash) before the URIs on chain, in order.
   */
  mirrors?: readonly Mirror[];
  /** Told, in one sentence, about each mirror that failed or served a file the chain does not commit to. */
  onSourceFailed?: (message: string) => void;
  /** Count unreachable batch files as dropped instead of failing. */
  skipUnavailableBatches?: boolean;
  /**
   * `sampled` (default) checks a seeded sample of receipt hashes and signatures per committed
   * batch; `full` checks all of them, the reference anyone can run to dispute a root
   * (docs/rewards.md, "Receipt verification").
   */
  verification?: "sampled" | "full";
  /** Receipts checked per batch in sampled mode (default DEFAULT_SAMPLES_PER_BATCH). */
  samplesPerBatch?: number;
  /**
   * Where earlier epochs' outputs are (`<dir>/<epoch>/activity.json`, written by writeEpochOutput):
   * retention history is read from there instead of re-collecting up to `retentionMaxEpochs`
   * earlier epochs. An epoch without a readable file is re-collected.
   */
  activityDir?: string;
  /**
   * Start from the latest accepted root before the epoch (its tree dump fetched from the proposal's
   * data URI and checked against the on-chain root) instead of recomputing every epoch from 0.
   * Default true; false recomputes the whole cumulative history from chain data alone.
   */
  trustAcceptedRoots?: boolean;
  onProgress?: (message: string) => void;
};

export type BudgetDerivation = {
  /** Σ Funded for epochs ≤ this one. */
  fundedThrough: bigint;
  /** Total of the previous epoch's cumulative tree. */
  previousTotal: bigint;
  /** fundedThrough − previousTotal (0 when negative): what earlier epochs carried plus this epoch's funding. */
  fromChain: bigint;
  /** What this computation used. */
  budget: bigint;
  source: "chain" | "override";
  /** How much must still be funded (for this epoch) before the tree can be proposed. */
  toFund: bigint;
};

export type PreviousTreeSource = {
  epoch: bigint | null;
  root: Hex | null;
  source: "none" | "accepted-root" | "recomputed";
};

/** Where one earlier epoch's activity (its retention input) came from. */
export type RetentionSource = {
  epoch: bigint;
  source: "file" | "recomputed";
  /** keccak256 of activity.json when read from a file: rerun that epoch to check it. */
  fileHash: Hex | null;
};

export type EpochInputsSummary = {
  version: 1;
  epoch: bigint;
  window: { start: bigint; end: bigint; batchGracePeriod: bigint };
  chain: {
    chainId: number;
    contracts: Record<string, Address>;
    fromBlock: bigint;
    /** Last block before the epoch's end: registry, members, stakes. */
    epochEndBlock: bigint | null;
    /** Last block before the end of the batch window. */
    batchWindowEndBlock: bigint;
  };
  params: RewardParams;
  budget: BudgetDerivation;
  previous: PreviousTreeSource;
  verification: {
    mode: "sampled" | "full";
    /** Hash of the last block of the batch window: the sample's seed (sampled mode). */
    seed: Hex | null;
    samplesPerBatch: number | null;
  };
  retention: RetentionSource[];
  /** Every dataset version the epoch's answers cite, read from its file (checked against its content hash). */
  datasets: DatasetVersionInput[];
  counts: {
    batches: { total: number; accepted: number; tampered: number; unavailable: number };
    receipts: { committed: number; accepted: number; dropped: number };
    drops: DropCounts;
    models: number;
    communitiesWithMembers: number;
    stakeHistories: number;
    retentionPairs: number;
  };
  batches: BatchOutcome[];
  /** Examples of every drop reason with a count (docs/rewards.md, "Dropped receipts"). */
  dropSamples: DropSample[];
  result: { root: Hex | null; total: bigint; accounts: number };
};

export type EpochComputation = {
  result: EpochRewardsResult;
  tree: CumulativeRewardTree;
  summary: EpochInputsSummary;
  /** This epoch's (model, identity) pairs, written as activity.json for later epochs' retention. */
  activity: EpochActivity;
};

export type ComputeEpochParameters = {
  epoch: bigint;
  /** Budget to use when the chain has none funded for this epoch yet (publish funds the difference). */
  budget?: bigint;
};

/**
 * Each computeEpoch call reads the latest block and the distributor's events afresh, so one pipeline
 * can compute, then verify a root published in between. What cannot change once an epoch is final
 * (its chain events, receipts and activity) is read once and cached.
 */
export type RewardsPipeline = {
  computeEpoch(parameters: ComputeEpochParameters): Promise<EpochComputation>;
  /** Stops the signature workers. */
  close(): Promise<void>;
};

export type RewardsPipelineErrorType = RewardsPipelineError;

/**
 * Gathers an epoch's calculator inputs from public data only (chain events, the batch files they
 * point at and the dataset version files the answers cite), runs the pure core, and builds the cumulative tree on top of the previous
 * epoch's. Anyone with an RPC endpoint gets the same bytes.
 */
export function createRewardsPipeline(parameters: CreateRewardsPipelineParameters): RewardsPipeline {
  const { client } = parameters;
  const params = resolveRewardParams(parameters.params);
  const source = createPublicDataSource(parameters);
  const progress = parameters.onProgress ?? (() => undefined);
  const blocks = new BlockClock(client.public);
  const domain: LedgerDomain = { chainId: client.chain.id, ledger: client.addresses.UsageLedger };
  let pool: SignaturePool | undefined;
  const getPool = () => (pool ??= createSignaturePool({ threads: parameters.threads }));
  let checker: BatchCheckPool | undefined;
  const getChecker = () => (checker ??= createBatchCheckPool(parameters.threads ?? defaultThreads()));

  // Memoized per pipeline: one chain read and one pass per final epoch, however deep the recursion.
  let clockRead: ReturnType<typeof getEpochClock> | undefined;
  let chain: { history: ChainHistory; covers: bigint } | undefined;
  // Trees depend on the distributor's funding and accepted roots, so they are dropped when its events change.
  const trees = new Map<bigint, { tree: CumulativeRewardTree; source: PreviousTreeSource }>();
  const activity = new Map<bigint, { activity: EpochActivity; source: RetentionSource }>();
  const samplesPerBatch = parameters.samplesPerBatch ?? DEFAULT_SAMPLES_PER_BATCH;
  if (!Number.isInteger(samplesPerBatch) || samplesPerBatch < 1)
    throw new RewardsPipelineError(`Samples per batch ${samplesPerBatch} must be a positive integer.`);

  type Snapshot = {
    clock: Awaited<ReturnType<typeof getEpochClock>>;
    latestBlock: bigint;
    latestTime: bigint;
    distributor: DistributorHistory;
  };
  let snapshot: Promise<Snapshot> | undefined;
  let distributorEvents = -1;

  /** Reads the latest block and the distributor's events; called once per top-level computation. */
  const refresh = () =>
    (snapshot = (async () => {
      const [clock, latest] = await Promise.all([
        (clockRead ??= getEpochClock(client)),
        client.public.getBlock({ blockTag: "latest" }),
      ]);
      const distributor = await loadDistributorHistory(client.public, {
        addresses: client.addresses,
        fromBlock: client.deploymentBlock,
        toBlock: latest.number,
        chunk: parameters.logChunk,
      });
      // Events are append-only: a different count means new funding or roots.
      if (distributor.events !== distributorEvents) trees.clear();
      distributorEvents = distributor.events;
      return { clock, latestBlock: latest.number, latestTime: latest.timestamp, distributor };
    })());
  const init = () => snapshot ?? refresh();

  const windowOf = (clock: { genesis: bigint; length: bigint }, epoch: bigint) => ({
    start: epochStart(clock, epoch),
    end: epochEnd(clock, epoch),
  });

  async function history(upToEpoch: bigint): Promise<ChainHistory> {
    const { clock, latestBlock } = await init();
    if (chain && chain.covers >= upToEpoch) return chain.history;
    const batchEnd = windowOf(clock, upToEpoch).end + clock.batchGracePeriod;
    const last = await blocks.lastBlockBefore(batchEnd, client.deploymentBlock, latestBlock);
    progress(`reading chain events in blocks ${client.deploymentBlock}..${last ?? client.deploymentBlock}`);
    const loaded =
      last === null
        ? {
            fromBlock: client.deploymentBlock,
            toBlock: client.deploymentBlock - 1n,
            models: [],
            communities: [],
            protocolFees: [],
            stakes: [],
            datasetVersions: [],
            relayers: [],
            batches: [],
          }
        : await loadChainHistory(client.public, {
            addresses: client.addresses,
            fromBlock: client.deploymentBlock,
            toBlock: last,
            clock: blocks,
            chunk: parameters.logChunk,
          });
    chain = { history: loaded, covers: upToEpoch };
    return loaded;
  }

  const loadAcceptedTree = (epoch: bigint, root: Hex, dataURI: string) => source.acceptedTree(epoch, root, dataURI);

  /** The cumulative tree after `epoch` (empty before epoch 0). */
  async function treeAfter(epoch: bigint): Promise<{ tree: CumulativeRewardTree; source: PreviousTreeSource }> {
    if (epoch < 0n)
      return {
        tree: { epoch: -1n, root: null, total: 0n, entries: [] },
        source: { epoch: null, root: null, source: "none" },
      };
    const cached = trees.get(epoch);
    if (cached) return cached;
    const { distributor } = await init();
    let start = 0n;
    let base: { tree: CumulativeRewardTree; source: PreviousTreeSource } | undefined;
    if (parameters.trustAcceptedRoots !== false) {
      const candidates = distributor.accepted.filter((a) => a.epoch <= epoch).reverse();
      for (const candidate of candidates) {
        const tree = await loadAcceptedTree(candidate.epoch, candidate.root, candidate.dataURI);
        if (tree) {
          base = { tree, source: { epoch: candidate.epoch, root: candidate.root, source: "accepted-root" } };
          trees.set(candidate.epoch, base);
          start = candidate.epoch + 1n;
          break;
        }
        progress(`accepted root of epoch ${candidate.epoch} has no readable tree at ${candidate.dataURI}; recomputing`);
      }
    }
    // Walk forward from the last known tree (or from epoch 0) so the recursion depth stays constant.
    for (let e = start; e <= epoch; e++) {
      if (!trees.has(e)) await computeOne(e, undefined);
    }
    return trees.get(epoch)!;
  }

  async function readActivityFile(epoch: bigint): Promise<{ activity: EpochActivity; fileHash: Hex } | null> {
    if (parameters.activityDir === undefined) return null;
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path.join(parameters.activityDir, epoch.toString(), "activity.json"));
    } catch {
      return null;
    }
    const keccak = await loadWasmKeccak();
    try {
      return { activity: parseEpochActivity(new TextDecoder().decode(bytes), epoch), fileHash: keccak.file(bytes) };
    } catch (error) {
      progress(`epoch ${epoch}: ${error instanceof Error ? error.message : String(error)} Re-collecting it.`);
      return null;
    }
  }

  async function activityOf(epoch: bigint): Promise<{ activity: EpochActivity; source: RetentionSource }> {
    const cached = activity.get(epoch);
    if (cached) return cached;
    const file = await readActivityFile(epoch);
    if (file) {
      const entry = { activity: file.activity, source: { epoch, source: "file" as const, fileHash: file.fileHash } };
      activity.set(epoch, entry);
      return entry;
    }
    // Without a file, an epoch's activity is only known by collecting its receipts.
    const { clock } = await init();
    progress(`epoch ${epoch}: re-collecting receipts for retention history`);
    const entry = {
      activity: await collectActivity(epoch, windowOf(clock, epoch)),
      source: { epoch, source: "recomputed" as const, fileHash: null },
    };
    activity.set(epoch, entry);
    return entry;
  }

  /** The hash of the last block of the epoch's batch window, unknown to anyone while batches could still be committed. */
  async function sampleSeed(epoch: bigint): Promise<Hex> {
    const { clock, latestBlock } = await init();
    const last = await blocks.lastBlockBefore(
      windowOf(clock, epoch).end + clock.batchGracePeriod,
      client.deploymentBlock,
      latestBlock,
    );
    return blockHash(client.public, last ?? client.deploymentBlock);
  }

  /** An epoch's (model, identity) pairs, from its receipts. */
  async function collectActivity(epoch: bigint, window: { start: bigint; end: bigint }): Promise<EpochActivity> {
    const { usage } = await countEpochReceipts({
      epoch,
      window,
      history: await history(epoch),
      domain,
      params,
      pool: getPool(),
      checker: getChecker(),
      verification: await verificationOf(epoch),
      fetchBatch: (batch) => source.batchFile(batch),
      skipUnavailableBatches: parameters.skipUnavailableBatches,
      onProgress: progress,
    });
    return epochActivity(usage);
  }

  async function verificationOf(epoch: bigint): Promise<ReceiptVerification> {
    if (parameters.verification === "full") return { mode: "full" };
    return { mode: "sampled", seed: await sampleSeed(epoch), perBatch: samplesPerBatch };
  }

  /** Only a final epoch's chain history may be cached: later blocks cannot add to it. */
  async function assertFinal(epoch: bigint): Promise<void> {
    const { clock, latestTime } = await init();
    const finalAt = windowOf(clock, epoch).end + clock.batchGracePeriod;
    if (latestTime < finalAt) {
      throw new RewardsPipelineError(
        `Epoch ${epoch} is not final until ${new Date(Number(finalAt) * 1000).toISOString()} (its batch window is still open).`,
      );
    }
  }

  async function computeOne(epoch: bigint, override: bigint | undefined): Promise<EpochComputation> {
    const { clock, distributor } = await init();
    const window = windowOf(clock, epoch);
    const previous = await treeAfter(epoch - 1n);
    const h = await history(epoch);
    progress(`epoch ${epoch}: collecting receipts`);

    const lookback: { activity: EpochActivity; source: RetentionSource }[] = [];
    for (let k = 1n; k <= BigInt(params.retentionMaxEpochs) && epoch - k >= 0n; k++)
      lookback.push(await activityOf(epoch - k));

    const fundedThrough = distributor.fundedThrough(epoch);
    const fromChain = fundedThrough > previous.tree.total ? fundedThrough - previous.tree.total : 0n;
    // The override is this epoch's new money; what earlier epochs carried is added to it.
    const fundedNow = distributor.fundedFor(epoch);
    if (override !== undefined && fundedNow > 0n && override !== fundedNow) {
      throw new RewardsPipelineError(
        `Epoch ${epoch} already has ${fundedNow} token units funded on chain; drop the budget override or pass exactly that amount.`,
      );
    }
    const budget = override === undefined ? fromChain : fromChain - fundedNow + override;
    const verification = await verificationOf(epoch);
    const computed = await computeEpochFromHistory({
      epoch,
      window,
      history: h,
      domain,
      params,
      budget,
      previousCumulative: cumulativeAmounts(previous.tree),
      lookback: lookback.map((l) => l.activity),
      pool: getPool(),
      checker: getChecker(),
      verification,
      fetchBatch: (batch) => source.batchFile(batch),
      fetchDatasetVersion: (version) => source.datasetVersionFile(version),
      skipUnavailableBatches: parameters.skipUnavailableBatches,
      onProgress: progress,
    });
    const { result, tree, collected, registry } = computed;
    activity.set(epoch, {
      activity: computed.activity,
      source: { epoch, source: "recomputed", fileHash: null },
    });
    for (const old of activity.keys()) if (old < epoch - BigInt(params.retentionMaxEpochs)) activity.delete(old);
    trees.set(epoch, { tree, source: { epoch, root: tree.root, source: "recomputed" } });

    const epochEndBlock =
      h.toBlock < h.fromBlock ? null : await blocks.lastBlockBefore(window.end, h.fromBlock, h.toBlock);
    const dropped = Object.values(collected.drops).reduce((a, b) => a + b, 0);
    const summary: EpochInputsSummary = {
      version: 1,
      epoch,
      window: { start: window.start, end: window.end, batchGracePeriod: clock.batchGracePeriod },
      chain: {
        chainId: client.chain.id,
        contracts: { ...client.addresses },
        fromBlock: client.deploymentBlock,
        epochEndBlock,
        batchWindowEndBlock: h.toBlock,
      },
      params: result.params,
      budget: {
        fundedThrough,
        previousTotal: previous.tree.total,
        fromChain,
        budget,
        source: override === undefined ? "chain" : "override",
        toFund: budget > fromChain ? budget - fromChain : 0n,
      },
      previous: previous.source,
      verification:
        verification.mode === "sampled"
          ? { mode: "sampled", seed: verification.seed, samplesPerBatch: verification.perBatch }
          : { mode: "full", seed: null, samplesPerBatch: null },
      retention: lookback.map((l) => l.source),
      datasets: computed.datasets,
      counts: {
        batches: {
          total: collected.batches.length,
          accepted: collected.batches.filter((b) => b.status === "accepted").length,
          tampered: collected.batches.filter((b) => b.status === "tampered").length,
          unavailable: collected.batches.filter((b) => b.status === "unavailable").length,
        },
        receipts: {
          committed: collected.batches.reduce((sum, b) => sum + b.count, 0),
          accepted: collected.accepted,
          dropped,
        },
        drops: collected.drops,
        models: registry.models.size,
        communitiesWithMembers: computed.communitiesWithMembers,
        stakeHistories: computed.stakeHistories,
        retentionPairs: computed.retention.length,
      },
      batches: collected.batches,
      dropSamples: collected.dropSamples,
      result: { root: tree.root, total: tree.total, accounts: result.accounts.length },
    };
    return { result, tree, summary, activity: computed.activity };
  }

  return {
    async computeEpoch({ epoch, budget }) {
      if (typeof epoch !== "bigint" || epoch < 0n)
        throw new RewardsPipelineError(`Epoch ${String(epoch)} is not a non-negative integer.`);
      if (budget !== undefined && (typeof budget !== "bigint" || budget < 0n)) {
        throw new RewardsPipelineError(`Budget ${String(budget)} is not a non-negative amount of token units.`);
      }
      await refresh();
      await assertFinal(epoch);
      await history(epoch);
      return computeOne(epoch, budget);
    },
    async close() {
      await Promise.all([pool?.close(), checker?.close()]);
      pool = undefined;
      checker = undefined;
    },
  };
}
