import type { Hash } from "viem";
import { modelRegistryAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError, KhoNotFoundError } from "../../errors";
import { type KhoRevertError, eventArgs, transact } from "../../transact";
import { toAddress, toId, toNonEmpty } from "../../validate";
import type { BaseError as ViemBaseError } from "viem";

export type AddDeploymentParameters = {
  modelId: bigint;
  /** Address running the endpoint; it earns for the calls it serves. */
  operator: string;
  /** `http://` or `https://` URL of the inference endpoint. */
  endpoint: string;
};
export type AddDeploymentReturnType = { deploymentId: bigint; hash: Hash };
export type AddDeploymentErrorType = KhoInputError | KhoNotFoundError | KhoRevertError | ViemBaseError;

/** Adds an Active deployment of a model (builder only). */
export async function addDeployment(
  client: KhoClient,
  parameters: AddDeploymentParameters,
): Promise<AddDeploymentReturnType> {
  const address = client.addresses.ModelRegistry;
  const { hash, logs } = await transact(client, {
    address,
    abi: modelRegistryAbi,
    functionName: "addDeployment",
    args: [
      toId(parameters.modelId, "model"),
      toAddress(parameters.operator, "operator"),
      toNonEmpty(parameters.endpoint, "endpoint"),
    ],
  });
  const { deploymentId } = eventArgs(modelRegistryAbi, logs, "DeploymentAdded", address);
  return { deploymentId, hash };
}
