import type { Abi, PublicClient } from "viem";
import {
  communityRegistryAbi,
  datasetStakingAbi,
  modelRegistryAbi,
  rewardDistributorAbi,
} from "../../../src/protocol/abis";
import type { Contracts, KhoConfig } from "./config";

/** Whether the deployed ABI has a function (recognition, admission and prices arrive with issue 10). */
export function hasFunction(abi: Abi, name: string): boolean {
  return abi.some((item) => item.type === "function" && item.name === name);
}

export async function readCommunities(client: PublicClient, contracts: Contracts) {
  const count = await client.readContract({
    address: contracts.CommunityRegistry,
    abi: communityRegistryAbi,
    functionName: "communityCount",
  });
  const ids = Array.from({ length: Number(count) }, (_, i) => BigInt(i + 1));
  return Promise.all(
    ids.map(async (id) => {
      const community = await client.readContract({
        address: contracts.CommunityRegistry,
        abi: communityRegistryAbi,
        functionName: "getCommunity",
        args: [id],
      });
      const recognized = hasFunction(communityRegistryAbi, "isRecognized")
        ? await client.readContract({
            address: contracts.CommunityRegistry,
            abi: communityRegistryAbi as Abi,
            functionName: "isRecognized",
            args: [id],
          })
        : null;
      return { ...community, recognized: recognized === null ? null : Boolean(recognized) };
    }),
  );
}

export type CommunityInfo = Awaited<ReturnType<typeof readCommunities>>[number];

export async function readModels(client: PublicClient, contracts: Contracts) {
  const count = await client.readContract({
    address: contracts.ModelRegistry,
    abi: modelRegistryAbi,
    functionName: "modelCount",
  });
  const ids = Array.from({ length: Number(count) }, (_, i) => BigInt(i + 1));
  return Promise.all(ids.map((id) => readModel(client, contracts, id)));
}

export async function readModel(client: PublicClient, contracts: Contracts, modelId: bigint) {
  const base = { address: contracts.ModelRegistry, abi: modelRegistryAbi } as const;
  const [model, liveDeployments, deploymentIds, datasetIds] = await Promise.all([
    client.readContract({ ...base, functionName: "getModel", args: [modelId] }),
    client.readContract({ ...base, functionName: "liveDeploymentCount", args: [modelId] }),
    client.readContract({ ...base, functionName: "modelDeployments", args: [modelId] }),
    client.readContract({ ...base, functionName: "linkedDatasets", args: [modelId] }),
  ]);
  const optional = async (name: string) =>
    hasFunction(modelRegistryAbi, name)
      ? await client.readContract({
          address: contracts.ModelRegistry,
          abi: modelRegistryAbi as Abi,
          functionName: name,
          args: [modelId],
        })
      : null;
  const price = await optional("priceOf");
  const admitted = await optional("isAdmitted");
  return {
    id: modelId,
    ...model,
    liveDeployments: Number(liveDeployments),
    deploymentIds: [...deploymentIds],
    datasetIds: [...datasetIds],
    price: typeof price === "bigint" ? price : null,
    admitted: admitted === null ? null : Boolean(admitted),
  };
}

export type ModelInfo = Awaited<ReturnType<typeof readModel>>;

export async function readDatasets(client: PublicClient, contracts: Contracts) {
  const base = { address: contracts.DatasetStaking, abi: datasetStakingAbi } as const;
  const count = await client.readContract({ ...base, functionName: "datasetCount" });
  const ids = Array.from({ length: Number(count) }, (_, i) => BigInt(i + 1));
  return Promise.all(
    ids.map(async (id) => {
      const [dataset, totalStake] = await Promise.all([
        client.readContract({ ...base, functionName: "getDataset", args: [id] }),
        client.readContract({ ...base, functionName: "totalStake", args: [id] }),
      ]);
      return { ...dataset, totalStake };
    }),
  );
}

export type RootState =
  | { kind: "none" }
  | { kind: "pending"; root: `0x${string}`; epoch: bigint; validAt: bigint; totalCumulative: bigint }
  | { kind: "accepted"; root: `0x${string}`; epoch: bigint; acceptedAt: bigint; totalCumulative: bigint }
  | { kind: "revoked"; root: `0x${string}`; epoch: bigint };

const ZERO_ROOT = `0x${"00".repeat(32)}`;

/** Pending beats everything; otherwise a revoke later than the last accept shows as revoked. */
export async function readRootState(
  client: PublicClient,
  config: KhoConfig,
): Promise<{ latest: RootState; accepted: RootState }> {
  const address = config.deployment.contracts.RewardDistributor;
  const fromBlock = config.deployment.blockNumber;
  const [pending, current, revokes, accepts] = await Promise.all([
    client.readContract({ address, abi: rewardDistributorAbi, functionName: "pendingRoot" }),
    client.readContract({ address, abi: rewardDistributorAbi, functionName: "currentRoot" }),
    client.getContractEvents({ address, abi: rewardDistributorAbi, eventName: "RootRevoked", fromBlock }),
    client.getContractEvents({ address, abi: rewardDistributorAbi, eventName: "RootAccepted", fromBlock }),
  ]);
  const accepted: RootState =
    current.root === ZERO_ROOT
      ? { kind: "none" }
      : {
          kind: "accepted",
          root: current.root,
          epoch: current.epoch,
          acceptedAt: current.acceptedAt,
          totalCumulative: current.totalCumulative,
        };
  if (pending.root !== ZERO_ROOT) {
    const latest: RootState = {
      kind: "pending",
      root: pending.root,
      epoch: pending.epoch,
      validAt: pending.validAt,
      totalCumulative: pending.totalCumulative,
    };
    return { latest, accepted };
  }
  const lastRevoke = revokes.at(-1);
  const lastAcceptBlock = accepts.at(-1)?.blockNumber ?? -1n;
  if (lastRevoke && (lastRevoke.blockNumber ?? 0n) > lastAcceptBlock) {
    return {
      latest: { kind: "revoked", root: lastRevoke.args.root ?? ZERO_ROOT, epoch: lastRevoke.args.epoch ?? 0n },
      accepted,
    };
  }
  return { latest: accepted, accepted };
}
