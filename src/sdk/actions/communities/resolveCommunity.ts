import { communityRegistryAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import { KhoInputError, KhoNotFoundError } from "../../errors";
import { read } from "../../transact";
import { toId } from "../../validate";
import type { BaseError as ViemBaseError } from "viem";

export type ResolveCommunityParameters = {
  /** An id (`3`, `3n`) or a slug (`vi-VN/home-cooking`). Slugs always contain `/`, so they never look like ids. */
  community: bigint | number | string;
};
export type ResolveCommunityReturnType = bigint;
export type ResolveCommunityErrorType = KhoInputError | KhoNotFoundError | ViemBaseError;

/** The id of an existing community named by id or slug. */
export async function resolveCommunity(
  client: KhoClient,
  parameters: ResolveCommunityParameters,
): Promise<ResolveCommunityReturnType> {
  const { community } = parameters;
  const address = client.addresses.CommunityRegistry;
  if (typeof community !== "string" || /^[0-9]+$/.test(community.trim())) {
    const id = toId(community, "community");
    const exists = await read(client, {
      address,
      abi: communityRegistryAbi,
      functionName: "communityExists",
      args: [id],
    });
    if (!exists) throw new KhoNotFoundError("community", id);
    return id;
  }
  if (community.length === 0) throw new KhoInputError("community must be an id or a slug, got an empty string");
  const id = await read(client, {
    address,
    abi: communityRegistryAbi,
    functionName: "communityIdBySlug",
    args: [community],
  });
  if (id === 0n) throw new KhoNotFoundError("community", community);
  return id;
}
