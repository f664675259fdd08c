import type { Hash } from "viem";
import { modelRegistryAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError, KhoNotFoundError } from "../../errors";
import { type KhoRevertError, eventArgs, transact } from "../../transact";
import { toBytes32, toId, toNonEmpty } from "../../validate";
import type { BaseError as ViemBaseError } from "viem";

export type RegisterModelParameters = {
  /** Unique, case-sensitive, e.g. `pho-bo-7b`. */
  name: string;
  locale: string;
  /** The model's home community. */
  communityId: bigint;
  /** Model card URI. */
  metadataURI: string;
  /** Hash of the weights / artifact of version 1. */
  contentHash: string;
};
export type RegisterModelReturnType = { modelId: bigint; hash: Hash };
export type RegisterModelErrorType = KhoInputError | KhoNotFoundError | KhoRevertError | ViemBaseError;

/** Registers a model (version 1); the sender becomes its builder. */
export async function registerModel(
  client: KhoClient,
  parameters: RegisterModelParameters,
): Promise<RegisterModelReturnType> {
  const address = client.addresses.ModelRegistry;
  const { hash, logs } = await transact(client, {
    address,
    abi: modelRegistryAbi,
    functionName: "registerModel",
    args: [
      toNonEmpty(parameters.name, "name"),
      toNonEmpty(parameters.locale, "locale"),
      toId(parameters.communityId, "community"),
      toNonEmpty(parameters.metadataURI, "metadata URI"),
      toBytes32(parameters.contentHash, "content hash"),
    ],
  });
  const { modelId } = eventArgs(modelRegistryAbi, logs, "ModelRegistered", address);
  return { modelId, hash };
}
