import type { BaseError as ViemBaseError } from "viem";
import { datasetStakingAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import { read } from "../../transact";
import { type Page, type PageParameters, pageIds } from "../paging";
import { type Dataset, getDataset } from "./getDataset";

export type ListDatasetsParameters = PageParameters & {
  /** Keep only this community's datasets (filters the page that was read). */
  communityId?: bigint;
};
export type ListDatasetsReturnType = Page<Dataset>;
export type ListDatasetsErrorType = ViemBaseError;

/** Datasets in id order (ids are contiguous from 1). */
export async function listDatasets(
  client: KhoClient,
  parameters: ListDatasetsParameters = {},
): Promise<ListDatasetsReturnType> {
  const total = await read(client, {
    address: client.addresses.DatasetStaking,
    abi: datasetStakingAbi,
    functionName: "datasetCount",
    args: [],
  });
  const ids = pageIds(total, parameters);
  const all = await Promise.all(ids.map((datasetId) => getDataset(client, { datasetId })));
  const items =
    parameters.communityId === undefined ? all : all.filter((d) => d.communityId === parameters.communityId);
  return { items, total };
}
