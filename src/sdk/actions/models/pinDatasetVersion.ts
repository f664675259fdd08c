import type { Hash } from "viem";
import { modelRegistryAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError, KhoNotFoundError } from "../../errors";
import { type KhoRevertError, transact } from "../../transact";
import { toId } from "../../validate";
import type { BaseError as ViemBaseError } from "viem";

export type PinDatasetVersionParameters = { modelId: bigint; datasetId: bigint; version: bigint };
export type PinDatasetVersionReturnType = { hash: Hash };
export type PinDatasetVersionErrorType = KhoInputError | KhoNotFoundError | KhoRevertError | ViemBaseError;

/** Pins the model to a published version of a dataset it links (builder only): the version its server must serve. */
export async function pinDatasetVersion(
  client: KhoClient,
  parameters: PinDatasetVersionParameters,
): Promise<PinDatasetVersionReturnType> {
  const { hash } = await transact(client, {
    address: client.addresses.ModelRegistry,
    abi: modelRegistryAbi,
    functionName: "pinDatasetVersion",
    args: [
      toId(parameters.modelId, "model"),
      toId(parameters.datasetId, "dataset"),
      toId(parameters.version, "dataset version"),
    ],
  });
  return { hash };
}
