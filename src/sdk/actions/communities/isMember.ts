import { communityRegistryAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError, KhoNotFoundError } from "../../errors";
import { read } from "../../transact";
import { toAddress, toId } from "../../validate";
import type { BaseError as ViemBaseError } from "viem";

export type IsMemberParameters = { communityId: bigint; account: string };
export type IsMemberReturnType = boolean;
export type IsMemberErrorType = KhoInputError | KhoNotFoundError | ViemBaseError;

/** Whether a steward of the community attested `account` as a member. */
export async function isMember(client: KhoClient, parameters: IsMemberParameters): Promise<IsMemberReturnType> {
  return read(client, {
    address: client.addresses.CommunityRegistry,
    abi: communityRegistryAbi,
    functionName: "isMember",
    args: [toId(parameters.communityId, "community"), toAddress(parameters.account, "account")],
  });
}
