import type { Address, Hex } from "viem";
import { datasetStakingAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError, KhoNotFoundError } from "../../errors";
import { read } from "../../transact";
import { toId } from "../../validate";
import type { BaseError as ViemBaseError } from "viem";

export type Dataset = {
  id: bigint;
  communityId: bigint;
  curator: Address;
  locale: string;
  metadataURI: string;
  contentHash: Hex;
  /** Unix seconds. */
  registeredAt: bigint;
  /** The latest published version; `metadataURI` and `contentHash` are its. */
  latestVersion: bigint;
  /** Active stake on the dataset, all stakers (token base units). */
  totalStake: bigint;
};

export type GetDatasetParameters = { datasetId: bigint };
export type GetDatasetReturnType = Dataset;
export type GetDatasetErrorType = KhoInputError | KhoNotFoundError | ViemBaseError;

export async function getDataset(client: KhoClient, parameters: GetDatasetParameters): Promise<GetDatasetReturnType> {
  const datasetId = toId(parameters.datasetId, "dataset");
  const common = { address: client.addresses.DatasetStaking, abi: datasetStakingAbi } as const;
  const d = await read(client, { ...common, functionName: "getDataset", args: [datasetId] });
  const totalStake = await read(client, { ...common, functionName: "totalStake", args: [datasetId] });
  return {
    id: d.id,
    communityId: d.communityId,
    curator: d.curator,
    locale: d.locale,
    metadataURI: d.metadataURI,
    contentHash: d.contentHash,
    registeredAt: BigInt(d.registeredAt),
    latestVersion: BigInt(d.latestVersion),
    totalStake,
  };
}
