import type { Hash } from "viem";
import { modelRegistryAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError, KhoNotFoundError } from "../../errors";
import { type KhoRevertError, eventArgs, transact } from "../../transact";
import { toBytes32, toId, toNonEmpty } from "../../validate";
import type { BaseError as ViemBaseError } from "viem";

export type PublishVersionParameters = { modelId: bigint; contentHash: string; metadataURI: string };
export type PublishVersionReturnType = { version: bigint; hash: Hash };
export type PublishVersionErrorType = KhoInputError | KhoNotFoundError | KhoRevertError | ViemBaseError;

/** Publishes the model's next version (builder only, model not retired). */
export async function publishVersion(
  client: KhoClient,
  parameters: PublishVersionParameters,
): Promise<PublishVersionReturnType> {
  const address = client.addresses.ModelRegistry;
  const { hash, logs } = await transact(client, {
    address,
    abi: modelRegistryAbi,
    functionName: "publishVersion",
    args: [
      toId(parameters.modelId, "model"),
      toBytes32(parameters.contentHash, "content hash"),
      toNonEmpty(parameters.metadataURI, "metadata URI"),
    ],
  });
  const { version } = eventArgs(modelRegistryAbi, logs, "VersionPublished", address);
  return { version, hash };
}
