import type { Hash } from "viem";
import { communityRegistryAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError, KhoNotFoundError } from "../../errors";
import { type KhoRevertError, eventArgs, transact } from "../../transact";
import { toId, toPositiveAmount } from "../../validate";

export type WithdrawBondParameters = { communityId: bigint; /** Token base units. */ amount: bigint };
export type WithdrawBondReturnType = { hash: Hash; /** The community's bond now. */ bond: bigint };
/** `CommunityIsRecognized(id)` while recognized; `InsufficientBond(id, bond, amount)` above the bond. */
export type WithdrawBondErrorType = KhoInputError | KhoNotFoundError | KhoRevertError | Error;

/** Takes tokens out of an unrecognized community's bond (a steward only). */
export async function withdrawBond(
  client: KhoClient,
  parameters: WithdrawBondParameters,
): Promise<WithdrawBondReturnType> {
  const address = client.addresses.CommunityRegistry;
  const { hash, logs } = await transact(client, {
    address,
    abi: communityRegistryAbi,
    functionName: "withdrawBond",
    args: [toId(parameters.communityId, "community"), toPositiveAmount(parameters.amount)],
  });
  return { hash, bond: eventArgs(communityRegistryAbi, logs, "CommunityBondWithdrawn", address).bond };
}
