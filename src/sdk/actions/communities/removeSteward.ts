import type { Hash } from "viem";
import { communityRegistryAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError, KhoNotFoundError } from "../../errors";
import { type KhoRevertError, transact } from "../../transact";
import { toAddress, toId } from "../../validate";
import type { BaseError as ViemBaseError } from "viem";

export type RemoveStewardParameters = { communityId: bigint; steward: string };
export type RemoveStewardReturnType = { hash: Hash };
export type RemoveStewardErrorType = KhoInputError | KhoNotFoundError | KhoRevertError | ViemBaseError;

/** Removes a steward (a steward may remove itself); the last steward cannot be removed. */
export async function removeSteward(
  client: KhoClient,
  parameters: RemoveStewardParameters,
): Promise<RemoveStewardReturnType> {
  const { hash } = await transact(client, {
    address: client.addresses.CommunityRegistry,
    abi: communityRegistryAbi,
    functionName: "removeSteward",
    args: [toId(parameters.communityId, "community"), toAddress(parameters.steward, "steward")],
  });
  return { hash };
}
