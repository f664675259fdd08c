import type { Address } from "viem";
import { type CumulativeRewardTree, buildCumulativeRewardTree } from "../../protocol/cumulative-tree";
import type { LedgerDomain } from "../../protocol/receipt";
import {
  type EpochRewardsResult,
  type RewardParams,
  type RegistryModel,
  type RetentionRecord,
  EpochUsage,
  computeEpochRewards,
} from "../core";
import type { BatchEvent, ChainHistory, DatasetVersionEvent } from "./chain-history";
import {
  type CollectEpochReceiptsReturnType,
  type ReceiptVerification,
  collectEpochReceipts,
} from "./collect-epoch-receipts";
import {
  type DatasetVersionInput,
  citableDatasetVersions,
  citedContentHashes,
  collectDatasetCredits,
} from "./dataset-credits";
import { communitiesSnapshot } from "./members-snapshot";
import { protocolFeeSnapshot } from "./protocol-fee-snapshot";
import { type RegistrySnapshot, registrySnapshot } from "./registry-snapshot";
import { relayerAuthority } from "./relayer-authority";
import { type EpochActivity, epochActivity, retentionHistory } from "./retention-activity";
import type { BatchCheckPool } from "./batch-check-pool";
import type { SignaturePool } from "./signature-pool";
import { stakeHistories } from "./stake-histories";
import { addToUsage } from "./usage-sink";

export type ComputeEpochFromHistoryParameters = {
  epoch: bigint;
  window: { start: bigint; end: bigint };
  /** Chain events up to the end of the epoch's batch window. */
  history: ChainHistory;
  domain: LedgerDomain;
  params: RewardParams;
  budget: bigint;
  /** Cumulative amounts through the previous epoch. */
  previousCumulative: ReadonlyMap<Address, bigint>;
  /** Activity of the previous epochs that retention looks back on (at most `retentionMaxEpochs`). */
  lookback: readonly EpochActivity[];
  pool: SignaturePool;
  checker: BatchCheckPool;
  verification: ReceiptVerification;
  /** The bytes of a batch's file (the pipeline reads mirrors, then the data URI). */
  fetchBatch: (batch: BatchEvent) => Promise<Uint8Array>;
  /** The bytes of a dataset version's file (the pipeline reads mirrors, then the version's URI); checked here. */
  fetchDatasetVersion: (version: DatasetVersionEvent) => Promise<Uint8Array>;
  skipUnavailableBatches?: boolean;
  onProgress?: (message: string) => void;
};

export type ComputeEpochFromHistoryReturnType = {
  result: EpochRewardsResult;
  tree: CumulativeRewardTree;
  collected: CollectEpochReceiptsReturnType;
  /** This epoch's (model, identity) pairs: the next epochs' retention input. */
  activity: EpochActivity;
  registry: RegistrySnapshot;
  communitiesWithMembers: number;
  stakeHistories: number;
  retention: RetentionRecord[];
  /** The dataset version files the contributor credits came from. */
  datasets: DatasetVersionInput[];
};

export type CountEpochReceiptsParameters = Pick<
  ComputeEpochFromHistoryParameters,
  | "epoch"
  | "window"
  | "history"
  | "domain"
  | "params"
  | "pool"
  | "checker"
  | "verification"
  | "fetchBatch"
  | "skipUnavailableBatches"
  | "onProgress"
>;

export type CountEpochReceiptsReturnType = {
  registry: RegistrySnapshot;
  /** The registry as the core takes it: the object `usage` was counted for. */
  models: RegistryModel[];
  usage: EpochUsage;
  collected: CollectEpochReceiptsReturnType;
};

/**
 * Collects and checks an epoch's receipts and counts the accepted ones into an EpochUsage as their
 * batches come in, while the workers check the next files. The rewards computation goes on from
 * here; recollecting an earlier epoch's retention activity needs only this.
 */
export async function countEpochReceipts(
  parameters: CountEpochReceiptsParameters,
): Promise<CountEpochReceiptsReturnType> {
  const { epoch, window, history, params } = parameters;
  const registry = registrySnapshot(history.models, window.end);
  const models = registry.toRegistry();
  const usage = new EpochUsage({ epoch, epochStart: window.start, epochEnd: window.end, registry: models, params });
  const collected = await collectEpochReceipts({
    epoch,
    epochStart: window.start,
    epochEnd: window.end,
    domain: parameters.domain,
    batches: history.batches.filter((b) => b.epoch === epoch),
    registry,
    relayers: relayerAuthority(history.relayers),
    pool: parameters.pool,
    checker: parameters.checker,
    verification: parameters.verification,
    fetchBatch: parameters.fetchBatch,
    skipUnavailableBatches: parameters.skipUnavailableBatches,
    onProgress: parameters.onProgress,
    accept: addToUsage(usage),
  });
  return { registry, models, usage, collected };
}

/**
 * One epoch from its chain facts, batch files and the dataset version files its answers cite:
 * collect and check the receipts, rebuild the core's inputs as of the epoch's end (contributor
 * credits included), run the pure core, and build the cumulative tree. The
 * pipeline calls it after reading the chain; the rewards-epoch bench calls it on facts from disk.
 */
export async function computeEpochFromHistory(
  parameters: ComputeEpochFromHistoryParameters,
): Promise<ComputeEpochFromHistoryReturnType> {
  const { epoch, window, history, params } = parameters;
  const { registry, models, usage, collected } = await countEpochReceipts(parameters);
  const activity = epochActivity(usage);
  const retention = retentionHistory(parameters.lookback);
  const communities = communitiesSnapshot(history.communities, window.end);
  const stakes = stakeHistories(history.stakes, window.start, window.end);
  const datasets = await collectDatasetCredits({
    versions: citableDatasetVersions(history.datasetVersions, registry, window.end),
    cited: citedContentHashes(usage.attributionLists()),
    fetchVersionFile: parameters.fetchDatasetVersion,
  });
  parameters.onProgress?.(`epoch ${epoch}: computing rewards over ${usage.size} receipts`);
  const result = computeEpochRewards({
    epoch,
    epochStart: window.start,
    epochEnd: window.end,
    receipts: usage,
    registry: models,
    communities,
    stakes,
    history: retention,
    datasetEntries: datasets.credits,
    protocolFeeBps: protocolFeeSnapshot(history.protocolFees, window.end),
    params,
    budget: parameters.budget,
  });
  const tree = buildCumulativeRewardTree({
    epoch,
    payouts: result.accounts,
    previousCumulative: parameters.previousCumulative,
  });
  return {
    result,
    tree,
    collected,
    activity,
    registry,
    communitiesWithMembers: [...communities.values()].filter((c) => c.members.size > 0).length,
    stakeHistories: stakes.length,
    retention,
    datasets: datasets.inputs,
  };
}
