import type { Hash } from "viem";
import { datasetStakingAbi } from "../../../protocol/abis";
import { type KhoClient, requireAccount } from "../../client";
import type { KhoInputError, KhoNotFoundError } from "../../errors";
import { type KhoRevertError, eventArgs, transact } from "../../transact";
import { toAddress, toBytes32, toId, toNonEmpty } from "../../validate";
import type { BaseError as ViemBaseError } from "viem";

export type RegisterDatasetParameters = {
  communityId: bigint;
  locale: string;
  metadataURI: string;
  /** Hash of the dataset content (for Kho dataset files: keccak256 of their canonical JSON). */
  contentHash: string;
  /** May update the dataset's metadata; defaults to the sender. */
  curator?: string;
};
export type RegisterDatasetReturnType = { datasetId: bigint; hash: Hash };
export type RegisterDatasetErrorType = KhoInputError | KhoNotFoundError | KhoRevertError | ViemBaseError;

/** Registers a dataset of a community. The sender must be a steward of that community. */
export async function registerDataset(
  client: KhoClient,
  parameters: RegisterDatasetParameters,
): Promise<RegisterDatasetReturnType> {
  const sender = requireAccount(client, "registerDataset");
  const address = client.addresses.DatasetStaking;
  const { hash, logs } = await transact(client, {
    address,
    abi: datasetStakingAbi,
    functionName: "registerDataset",
    args: [
      toId(parameters.communityId, "community"),
      toNonEmpty(parameters.locale, "locale"),
      toNonEmpty(parameters.metadataURI, "metadata URI"),
      toBytes32(parameters.contentHash, "content hash"),
      parameters.curator === undefined ? sender : toAddress(parameters.curator, "curator"),
    ],
  });
  const { datasetId } = eventArgs(datasetStakingAbi, logs, "DatasetRegistered", address);
  return { datasetId, hash };
}
