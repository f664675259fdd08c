import type { Hash } from "viem";
import { communityRegistryAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError, KhoNotFoundError } from "../../errors";
import { type KhoRevertError, transact } from "../../transact";
import { toAddress, toId, toPositiveAmount } from "../../validate";

export type SlashBondParameters = {
  communityId: bigint;
  /** Token base units. */
  amount: bigint;
  /** Who receives the slashed tokens (e.g. the challenger or the reward treasury). */
  recipient: string;
};
export type SlashBondReturnType = { hash: Hash };
export type SlashBondErrorType = KhoInputError | KhoNotFoundError | KhoRevertError | Error;

/** Slashes part of a community's bond to `recipient` and revokes its recognition (GOVERNOR_ROLE only). */
export async function slashBond(client: KhoClient, parameters: SlashBondParameters): Promise<SlashBondReturnType> {
  const { hash } = await transact(client, {
    address: client.addresses.CommunityRegistry,
    abi: communityRegistryAbi,
    functionName: "slashBond",
    args: [
      toId(parameters.communityId, "community"),
      toPositiveAmount(parameters.amount),
      toAddress(parameters.recipient, "recipient"),
    ],
  });
  return { hash };
}
