import type { Address, Hex } from "viem";
import { datasetStakingAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError, KhoNotFoundError } from "../../errors";
import { read } from "../../transact";
import { toId } from "../../validate";
import type { BaseError as ViemBaseError } from "viem";

export type DatasetVersion = {
  datasetId: bigint;
  version: bigint;
  contentHash: Hex;
  uri: string;
  publisher: Address;
  /** Unix seconds. */
  publishedAt: bigint;
};

export type ListDatasetVersionsParameters = { datasetId: bigint };
export type ListDatasetVersionsReturnType = DatasetVersion[];
export type ListDatasetVersionsErrorType = KhoInputError | KhoNotFoundError | ViemBaseError;

/** Every published version of a dataset, oldest first. */
export async function listDatasetVersions(
  client: KhoClient,
  parameters: ListDatasetVersionsParameters,
): Promise<ListDatasetVersionsReturnType> {
  const datasetId = toId(parameters.datasetId, "dataset");
  const common = { address: client.addresses.DatasetStaking, abi: datasetStakingAbi } as const;
  // getDataset reverts with DatasetNotFound for an unknown id, which `read` turns into a not-found error.
  const dataset = await read(client, { ...common, functionName: "getDataset", args: [datasetId] });
  const versions = Array.from({ length: Number(dataset.latestVersion) }, (_, i) => BigInt(i + 1));
  return Promise.all(
    versions.map(async (version) => {
      const v = await read(client, { ...common, functionName: "getDatasetVersion", args: [datasetId, version] });
      return {
        datasetId,
        version,
        contentHash: v.contentHash,
        uri: v.uri,
        publisher: v.publisher,
        publishedAt: BigInt(v.publishedAt),
      };
    }),
  );
}
