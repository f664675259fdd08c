import type { Hash } from "viem";
import { modelRegistryAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError, KhoNotFoundError } from "../../errors";
import { type KhoRevertError, transact } from "../../transact";
import { toId } from "../../validate";
import type { BaseError as ViemBaseError } from "viem";

export type RemoveDeploymentParameters = { deploymentId: bigint };
export type RemoveDeploymentReturnType = { hash: Hash };
export type RemoveDeploymentErrorType = KhoInputError | KhoNotFoundError | KhoRevertError | ViemBaseError;

/** Ends a deployment for good (builder only; the operator uses `withdrawDeployment` on the contract). */
export async function removeDeployment(
  client: KhoClient,
  parameters: RemoveDeploymentParameters,
): Promise<RemoveDeploymentReturnType> {
  const { hash } = await transact(client, {
    address: client.addresses.ModelRegistry,
    abi: modelRegistryAbi,
    functionName: "removeDeployment",
    args: [toId(parameters.deploymentId, "deployment")],
  });
  return { hash };
}
