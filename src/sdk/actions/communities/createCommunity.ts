import type { Hash } from "viem";
import { communityRegistryAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError } from "../../errors";
import { type KhoRevertError, eventArgs, transact } from "../../transact";
import { toNonEmpty } from "../../validate";
import type { BaseError as ViemBaseError } from "viem";

export type CreateCommunityParameters = {
  /** Unique slug such as `vi-VN/home-cooking`. */
  slug: string;
  /** BCP-47 locale tag. */
  locale: string;
  /** Community card URI. */
  metadataURI: string;
};
export type CreateCommunityReturnType = { communityId: bigint; hash: Hash };
export type CreateCommunityErrorType = KhoInputError | KhoRevertError | ViemBaseError;

/** Creates a community; the sender becomes its creator and first steward. */
export async function createCommunity(
  client: KhoClient,
  parameters: CreateCommunityParameters,
): Promise<CreateCommunityReturnType> {
  const args = [
    toNonEmpty(parameters.slug, "slug"),
    toNonEmpty(parameters.locale, "locale"),
    toNonEmpty(parameters.metadataURI, "metadata URI"),
  ] as const;
  const address = client.addresses.CommunityRegistry;
  const { hash, logs } = await transact(client, {
    address,
    abi: communityRegistryAbi,
    functionName: "createCommunity",
    args,
  });
  const { communityId } = eventArgs(communityRegistryAbi, logs, "CommunityCreated", address);
  return { communityId, hash };
}
