import type { BaseError as ViemBaseError } from "viem";
import { modelRegistryAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import { read } from "../../transact";
import { type Page, type PageParameters, pageIds } from "../paging";
import { type ModelSummary, getModelSummary } from "./getModel";

export type ListModelsParameters = PageParameters & {
  /** Keep only models of this home community (filters the page that was read). */
  communityId?: bigint;
  /** Include retired models (default true). */
  includeRetired?: boolean;
};
export type ListModelsReturnType = Page<ModelSummary>;
export type ListModelsErrorType = ViemBaseError;

/** Models in id order (ids are contiguous from 1). */
export async function listModels(
  client: KhoClient,
  parameters: ListModelsParameters = {},
): Promise<ListModelsReturnType> {
  const total = await read(client, {
    address: client.addresses.ModelRegistry,
    abi: modelRegistryAbi,
    functionName: "modelCount",
    args: [],
  });
  const ids = pageIds(total, parameters);
  const all = await Promise.all(ids.map((id) => getModelSummary(client, id)));
  const items = all.filter(
    (m) =>
      (parameters.communityId === undefined || m.communityId === parameters.communityId) &&
      (parameters.includeRetired !== false || !m.retired),
  );
  return { items, total };
}
