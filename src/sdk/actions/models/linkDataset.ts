import type { Hash } from "viem";
import { modelRegistryAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError, KhoNotFoundError } from "../../errors";
import { type KhoRevertError, transact } from "../../transact";
import { toId } from "../../validate";
import type { BaseError as ViemBaseError } from "viem";

export type LinkDatasetParameters = { modelId: bigint; datasetId: bigint };
export type LinkDatasetReturnType = { hash: Hash };
export type LinkDatasetErrorType = KhoInputError | KhoNotFoundError | KhoRevertError | ViemBaseError;

/** Records that the model is built from the dataset (builder only): stakers of the dataset share its usage. */
export async function linkDataset(
  client: KhoClient,
  parameters: LinkDatasetParameters,
): Promise<LinkDatasetReturnType> {
  const { hash } = await transact(client, {
    address: client.addresses.ModelRegistry,
    abi: modelRegistryAbi,
    functionName: "linkDataset",
    args: [toId(parameters.modelId, "model"), toId(parameters.datasetId, "dataset")],
  });
  return { hash };
}
