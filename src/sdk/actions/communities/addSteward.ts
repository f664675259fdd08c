import type { Hash } from "viem";
import { communityRegistryAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError, KhoNotFoundError } from "../../errors";
import { type KhoRevertError, transact } from "../../transact";
import { toAddress, toId } from "../../validate";
import type { BaseError as ViemBaseError } from "viem";

export type AddStewardParameters = { communityId: bigint; steward: string };
export type AddStewardReturnType = { hash: Hash };
export type AddStewardErrorType = KhoInputError | KhoNotFoundError | KhoRevertError | ViemBaseError;

/** Makes `steward` a steward of the community. The sender must be a steward (or the registry admin). */
export async function addSteward(client: KhoClient, parameters: AddStewardParameters): Promise<AddStewardReturnType> {
  const { hash } = await transact(client, {
    address: client.addresses.CommunityRegistry,
    abi: communityRegistryAbi,
    functionName: "addSteward",
    args: [toId(parameters.communityId, "community"), toAddress(parameters.steward, "steward")],
  });
  return { hash };
}
