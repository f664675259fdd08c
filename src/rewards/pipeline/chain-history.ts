import type { Address, Hex, PublicClient } from "viem";
import type { BatchCommitment } from "../../protocol/batch-file";
import {
  communityRegistryAbi,
  datasetStakingAbi,
  feeEscrowAbi,
  modelRegistryAbi,
  usageLedgerAbi,
} from "../../protocol/abis";
import type { KhoAddresses } from "../../sdk/client";
import { getLogsChunked } from "../../sdk/actions/chain/getLogsChunked";
import type { BlockClock } from "./block-clock";

/** Where an event sits in the chain: its order key and its block's timestamp. */
export type EventPosition = { block: bigint; logIndex: number; timestamp: bigint };

export type ModelEvent = EventPosition &
  (
    | { kind: "registered"; modelId: bigint; builder: Address; communityId: bigint }
    | { kind: "transferred"; modelId: bigint; builder: Address }
    | { kind: "linked"; modelId: bigint; datasetId: bigint }
    | { kind: "unlinked"; modelId: bigint; datasetId: bigint }
    | { kind: "deployment"; deploymentId: bigint; modelId: bigint; operator: Address }
    | { kind: "admission"; modelId: bigint; admitted: boolean }
    | { kind: "price"; modelId: bigint; pricePerCall: bigint }
  );
export type CommunityEvent = EventPosition &
  (
    | { kind: "member"; communityId: bigint; member: Address; added: boolean }
    | { kind: "recognition"; communityId: bigint; recognized: boolean }
  );
/** FeeEscrow's protocol fee share changed (also emitted at construction). */
export type ProtocolFeeEvent = EventPosition & { bps: bigint };
export type StakeEvent = EventPosition & { datasetId: bigint; staker: Address; newStake: bigint };
/** A dataset version published (registration publishes version 1): where its file is and the hash it must have. */
export type DatasetVersionEvent = EventPosition & { datasetId: bigint; version: bigint; contentHash: Hex; uri: string };
export type RelayerEvent = EventPosition & { relayer: Address; added: boolean };
export type BatchEvent = EventPosition & BatchCommitment;

/** Every registry, membership, stake, dataset version, relayer and batch event up to one block, in chain order. */
export type ChainHistory = {
  fromBlock: bigint;
  toBlock: bigint;
  models: ModelEvent[];
  communities: CommunityEvent[];
  protocolFees: ProtocolFeeEvent[];
  stakes: StakeEvent[];
  datasetVersions: DatasetVersionEvent[];
  relayers: RelayerEvent[];
  batches: BatchEvent[];
};

export type LoadChainHistoryParameters = {
  addresses: KhoAddresses;
  fromBlock: bigint;
  toBlock: bigint;
  clock: BlockClock;
  chunk?: bigint;
};

/**
 * Reads the events the calculator's inputs are rebuilt from. Everything comes from logs (not
 * from `latest`-state views), so the same block range gives the same history to anyone.
 */
export async function loadChainHistory(
  client: PublicClient,
  parameters: LoadChainHistoryParameters,
): Promise<ChainHistory> {
  const { addresses, fromBlock, toBlock, clock, chunk } = parameters;
  const range = { fromBlock, toBlock, chunk };
  const [modelLogs, communityLogs, stakingLogs, ledgerLogs, escrowLogs] = await Promise.all([
    getLogsChunked(client, { address: addresses.ModelRegistry, abi: modelRegistryAbi, ...range }),
    getLogsChunked(client, { address: addresses.CommunityRegistry, abi: communityRegistryAbi, ...range }),
    getLogsChunked(client, { address: addresses.DatasetStaking, abi: datasetStakingAbi, ...range }),
    getLogsChunked(client, { address: addresses.UsageLedger, abi: usageLedgerAbi, ...range }),
    getLogsChunked(client, { address: addresses.FeeEscrow, abi: feeEscrowAbi, ...range }),
  ]);
  const times = await clock.timestamps(
    [...modelLogs, ...communityLogs, ...stakingLogs, ...ledgerLogs, ...escrowLogs].map((l) => l.blockNumber),
  );
  const at = (log: { blockNumber: bigint; logIndex: number }): EventPosition => ({
    block: log.blockNumber,
    logIndex: log.logIndex,
    timestamp: times.get(log.blockNumber)!,
  });

  const models: ModelEvent[] = [];
  for (const log of modelLogs) {
    if (log.eventName === "ModelRegistered") {
      const { modelId, builder, communityId } = log.args;
      models.push({ ...at(log), kind: "registered", modelId, builder, communityId });
    } else if (log.eventName === "ModelOwnershipTransferred") {
      models.push({ ...at(log), kind: "transferred", modelId: log.args.modelId, builder: log.args.newBuilder });
    } else if (log.eventName === "DatasetLinked") {
      models.push({ ...at(log), kind: "linked", modelId: log.args.modelId, datasetId: log.args.datasetId });
    } else if (log.eventName === "DatasetUnlinked") {
      models.push({ ...at(log), kind: "unlinked", modelId: log.args.modelId, datasetId: log.args.datasetId });
    } else if (log.eventName === "DeploymentAdded") {
      const { deploymentId, modelId, operator } = log.args;
      models.push({ ...at(log), kind: "deployment", deploymentId, modelId, operator });
    } else if (log.eventName === "ModelAdmitted" || log.eventName === "ModelAdmissionWithdrawn") {
      const admitted = log.eventName === "ModelAdmitted";
      models.push({ ...at(log), kind: "admission", modelId: log.args.modelId, admitted });
    } else if (log.eventName === "ModelPriceSet") {
      models.push({ ...at(log), kind: "price", modelId: log.args.modelId, pricePerCall: log.args.pricePerCall });
    }
  }

  const communities: CommunityEvent[] = [];
  for (const log of communityLogs) {
    if (log.eventName === "MemberAdded" || log.eventName === "MemberRemoved") {
      const added = log.eventName === "MemberAdded";
      communities.push({
        ...at(log),
        kind: "member",
        communityId: log.args.communityId,
        member: log.args.member,
        added,
      });
    } else if (log.eventName === "CommunityRecognized" || log.eventName === "CommunityRecognitionRevoked") {
      // A slash emits CommunityRecognitionRevoked too, so it needs no case of its own.
      const recognized = log.eventName === "CommunityRecognized";
      communities.push({ ...at(log), kind: "recognition", communityId: log.args.communityId, recognized });
    }
  }

  const protocolFees: ProtocolFeeEvent[] = [];
  for (const log of escrowLogs) {
    if (log.eventName === "ProtocolFeeSet") protocolFees.push({ ...at(log), bps: log.args.newBps });
  }

  const stakes: StakeEvent[] = [];
  const datasetVersions: DatasetVersionEvent[] = [];
  for (const log of stakingLogs) {
    if (log.eventName === "Staked" || log.eventName === "UnstakeRequested") {
      const { datasetId, staker, newStake } = log.args;
      stakes.push({ ...at(log), datasetId, staker, newStake });
    } else if (log.eventName === "DatasetVersionPublished") {
      const { datasetId, version, contentHash, uri } = log.args;
      datasetVersions.push({ ...at(log), datasetId, version, contentHash, uri });
    }
  }

  const relayers: RelayerEvent[] = [];
  const batches: BatchEvent[] = [];
  for (const log of ledgerLogs) {
    if (log.eventName === "RelayerAdded" || log.eventName === "RelayerRevoked") {
      relayers.push({ ...at(log), relayer: log.args.relayer, added: log.eventName === "RelayerAdded" });
    } else if (log.eventName === "BatchSubmitted") {
      const { relayer, batchId, epoch, root, count, dataURI, dataHash } = log.args;
      batches.push({ ...at(log), relayer, batchId, epoch, root, count, dataURI, dataHash });
    }
  }
  return { fromBlock, toBlock, models, communities, protocolFees, stakes, datasetVersions, relayers, batches };
}

/** A block's hash (the sampled verification's seed is the hash of the last block of a batch window). */
export async function blockHash(client: PublicClient, blockNumber: bigint): Promise<Hex> {
  const block = await client.getBlock({ blockNumber });
  return block.hash;
}
