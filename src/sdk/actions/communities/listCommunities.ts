import type { BaseError as ViemBaseError } from "viem";
import { communityRegistryAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import { read } from "../../transact";
import { type Page, type PageParameters, pageIds } from "../paging";
import { type Community, getCommunity } from "./getCommunity";

export type ListCommunitiesParameters = PageParameters;
export type ListCommunitiesReturnType = Page<Community>;
export type ListCommunitiesErrorType = ViemBaseError;

/** Communities in id order (ids are contiguous from 1). */
export async function listCommunities(
  client: KhoClient,
  parameters: ListCommunitiesParameters = {},
): Promise<ListCommunitiesReturnType> {
  const total = await read(client, {
    address: client.addresses.CommunityRegistry,
    abi: communityRegistryAbi,
    functionName: "communityCount",
    args: [],
  });
  const ids = pageIds(total, parameters);
  const items = await Promise.all(ids.map((communityId) => getCommunity(client, { communityId })));
  return { items, total };
}
