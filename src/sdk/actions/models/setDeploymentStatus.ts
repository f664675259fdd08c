import type { Hash } from "viem";
import { modelRegistryAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import { KhoInputError, type KhoNotFoundError } from "../../errors";
import { type KhoRevertError, transact } from "../../transact";
import { toId } from "../../validate";
import { deploymentStatusValue } from "./deploymentStatus";
import type { BaseError as ViemBaseError } from "viem";

export type SetDeploymentStatusParameters = { deploymentId: bigint; status: "active" | "paused" };
export type SetDeploymentStatusReturnType = { hash: Hash };
export type SetDeploymentStatusErrorType = KhoInputError | KhoNotFoundError | KhoRevertError | ViemBaseError;

/** Pauses or re-activates a deployment (its model's builder or its operator). */
export async function setDeploymentStatus(
  client: KhoClient,
  parameters: SetDeploymentStatusParameters,
): Promise<SetDeploymentStatusReturnType> {
  if (parameters.status !== "active" && parameters.status !== "paused") {
    throw new KhoInputError(`deployment status must be "active" or "paused", got "${String(parameters.status)}"`);
  }
  const { hash } = await transact(client, {
    address: client.addresses.ModelRegistry,
    abi: modelRegistryAbi,
    functionName: "setDeploymentStatus",
    args: [toId(parameters.deploymentId, "deployment"), deploymentStatusValue(parameters.status)],
  });
  return { hash };
}
