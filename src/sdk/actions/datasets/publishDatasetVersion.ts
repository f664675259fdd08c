import type { Hash } from "viem";
import { datasetStakingAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError, KhoNotFoundError } from "../../errors";
import { type KhoRevertError, eventArgs, transact } from "../../transact";
import { toBytes32, toId, toNonEmpty } from "../../validate";
import type { BaseError as ViemBaseError } from "viem";

export type PublishDatasetVersionParameters = {
  datasetId: bigint;
  /** Where the version's dataset file is. */
  uri: string;
  /** Hash of the version's content (for Kho dataset files: keccak256 of their canonical JSON, contributors included). */
  contentHash: string;
};
export type PublishDatasetVersionReturnType = { version: bigint; hash: Hash };
export type PublishDatasetVersionErrorType = KhoInputError | KhoNotFoundError | KhoRevertError | ViemBaseError;

/**
 * Publishes the dataset's next version, e.g. one that accepts members' contributions (the curator
 * or a steward of its community). Earlier versions stay readable.
 */
export async function publishDatasetVersion(
  client: KhoClient,
  parameters: PublishDatasetVersionParameters,
): Promise<PublishDatasetVersionReturnType> {
  const address = client.addresses.DatasetStaking;
  const { hash, logs } = await transact(client, {
    address,
    abi: datasetStakingAbi,
    functionName: "publishDatasetVersion",
    args: [
      toId(parameters.datasetId, "dataset"),
      toNonEmpty(parameters.uri, "URI"),
      toBytes32(parameters.contentHash, "content hash"),
    ],
  });
  const { version } = eventArgs(datasetStakingAbi, logs, "DatasetVersionPublished", address);
  return { version: BigInt(version), hash };
}
