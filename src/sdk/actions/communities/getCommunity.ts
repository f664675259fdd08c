import type { Address } from "viem";
import { communityRegistryAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError, KhoNotFoundError } from "../../errors";
import { read } from "../../transact";
import { toId } from "../../validate";
import type { BaseError as ViemBaseError } from "viem";

export type Community = {
  id: bigint;
  slug: string;
  locale: string;
  metadataURI: string;
  creator: Address;
  /** Unix seconds. */
  createdAt: bigint;
  stewardCount: bigint;
  memberCount: bigint;
};

export type GetCommunityParameters = { communityId: bigint };
export type GetCommunityReturnType = Community;
export type GetCommunityErrorType = KhoInputError | KhoNotFoundError | ViemBaseError;

export async function getCommunity(
  client: KhoClient,
  parameters: GetCommunityParameters,
): Promise<GetCommunityReturnType> {
  const c = await read(client, {
    address: client.addresses.CommunityRegistry,
    abi: communityRegistryAbi,
    functionName: "getCommunity",
    args: [toId(parameters.communityId, "community")],
  });
  return {
    id: c.id,
    slug: c.slug,
    locale: c.locale,
    metadataURI: c.metadataURI,
    creator: c.creator,
    createdAt: BigInt(c.createdAt),
    stewardCount: c.stewardCount,
    memberCount: c.memberCount,
  };
}
