import { communityRegistryAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError, KhoNotFoundError } from "../../errors";
import { read } from "../../transact";
import { toAddress, toId } from "../../validate";
import type { BaseError as ViemBaseError } from "viem";

export type IsStewardParameters = { communityId: bigint; account: string };
export type IsStewardReturnType = boolean;
export type IsStewardErrorType = KhoInputError | KhoNotFoundError | ViemBaseError;

export async function isSteward(client: KhoClient, parameters: IsStewardParameters): Promise<IsStewardReturnType> {
  return read(client, {
    address: client.addresses.CommunityRegistry,
    abi: communityRegistryAbi,
    functionName: "isSteward",
    args: [toId(parameters.communityId, "community"), toAddress(parameters.account, "account")],
  });
}
