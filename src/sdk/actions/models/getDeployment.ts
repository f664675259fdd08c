import type { Address } from "viem";
import { modelRegistryAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError, KhoNotFoundError } from "../../errors";
import { read } from "../../transact";
import { toId } from "../../validate";
import { type DeploymentStatus, deploymentStatusName } from "./deploymentStatus";
import type { BaseError as ViemBaseError } from "viem";

export type ModelDeployment = {
  id: bigint;
  modelId: bigint;
  operator: Address;
  endpoint: string;
  status: DeploymentStatus;
  /** Unix seconds. */
  addedAt: bigint;
};

export type GetDeploymentParameters = { deploymentId: bigint };
export type GetDeploymentReturnType = ModelDeployment;
export type GetDeploymentErrorType = KhoInputError | KhoNotFoundError | ViemBaseError;

export async function getDeployment(
  client: KhoClient,
  parameters: GetDeploymentParameters,
): Promise<GetDeploymentReturnType> {
  const id = toId(parameters.deploymentId, "deployment");
  const d = await read(client, {
    address: client.addresses.ModelRegistry,
    abi: modelRegistryAbi,
    functionName: "getDeployment",
    args: [id],
  });
  return {
    id,
    modelId: d.modelId,
    operator: d.operator,
    endpoint: d.endpoint,
    status: deploymentStatusName(d.status),
    addedAt: BigInt(d.addedAt),
  };
}
