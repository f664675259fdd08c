import type { Address, Hex } from "viem";
import { modelRegistryAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError, KhoNotFoundError } from "../../errors";
import { read } from "../../transact";
import { toId } from "../../validate";
import { type ModelDeployment, getDeployment } from "./getDeployment";
import type { BaseError as ViemBaseError } from "viem";

export type ModelSummary = {
  id: bigint;
  name: string;
  locale: string;
  communityId: bigint;
  builder: Address;
  /** Zero address unless an ownership transfer is pending. */
  pendingBuilder: Address;
  metadataURI: string;
  /** Content hash of the latest version. */
  contentHash: Hex;
  latestVersion: bigint;
  retired: boolean;
  /** Unix seconds. */
  registeredAt: bigint;
  /** Active or Paused deployments. */
  liveDeployments: bigint;
};

export type Model = ModelSummary & {
  /** Every deployment ever added, oldest first. */
  deployments: ModelDeployment[];
  /** Ids of the datasets the model is built from, ascending. */
  linkedDatasets: bigint[];
};

export type GetModelParameters = { modelId: bigint };
export type GetModelReturnType = Model;
export type GetModelErrorType = KhoInputError | KhoNotFoundError | ViemBaseError;

/** A model's current state without its deployment list (what listModels returns). */
export async function getModelSummary(client: KhoClient, modelId: bigint): Promise<ModelSummary> {
  const id = toId(modelId, "model");
  const common = { address: client.addresses.ModelRegistry, abi: modelRegistryAbi } as const;
  const m = await read(client, { ...common, functionName: "getModel", args: [id] });
  const liveDeployments = await read(client, { ...common, functionName: "liveDeploymentCount", args: [id] });
  return {
    id,
    name: m.name,
    locale: m.locale,
    communityId: m.communityId,
    builder: m.builder,
    pendingBuilder: m.pendingBuilder,
    metadataURI: m.metadataURI,
    contentHash: m.contentHash,
    latestVersion: m.latestVersion,
    retired: m.retired,
    registeredAt: BigInt(m.registeredAt),
    liveDeployments,
  };
}

/** A model with its deployments and linked datasets. */
export async function getModel(client: KhoClient, parameters: GetModelParameters): Promise<GetModelReturnType> {
  const summary = await getModelSummary(client, parameters.modelId);
  const common = { address: client.addresses.ModelRegistry, abi: modelRegistryAbi } as const;
  const [deploymentIds, linked] = await Promise.all([
    read(client, { ...common, functionName: "modelDeployments", args: [summary.id] }),
    read(client, { ...common, functionName: "linkedDatasets", args: [summary.id] }),
  ]);
  const deployments = await Promise.all(deploymentIds.map((deploymentId) => getDeployment(client, { deploymentId })));
  const linkedDatasets = [...linked].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { ...summary, deployments, linkedDatasets };
}
