import type { Hash } from "viem";
import { communityRegistryAbi } from "../../../protocol/abis";
import { type KhoClient, requireAccount } from "../../client";
import type { KhoInputError, KhoInsufficientFundsError, KhoNotFoundError } from "../../errors";
import { type KhoRevertError, eventArgs, read, transact } from "../../transact";
import { toId, toPositiveAmount } from "../../validate";
import { approveForPull } from "../escrow/pullTokens";

export type PostBondParameters = { communityId: bigint; /** Token base units. */ amount: bigint };
export type PostBondReturnType = {
  hash: Hash;
  /** The approve transaction sent first when the allowance was short. */
  approveHash?: Hash;
  /** Amount bonded (what actually arrived). */
  posted: bigint;
  /** The community's bond now. */
  bond: bigint;
};
export type PostBondErrorType = KhoInputError | KhoNotFoundError | KhoInsufficientFundsError | KhoRevertError | Error;

/** Adds to a community's bond (a steward only), approving the registry first when the allowance is short. */
export async function postBond(client: KhoClient, parameters: PostBondParameters): Promise<PostBondReturnType> {
  const sender = requireAccount(client, "postBond");
  const communityId = toId(parameters.communityId, "community");
  const amount = toPositiveAmount(parameters.amount);
  const registry = client.addresses.CommunityRegistry;
  const token = await read(client, {
    address: registry,
    abi: communityRegistryAbi,
    functionName: "bondToken",
    args: [],
  });
  const approveHash = await approveForPull(client, {
    token,
    owner: sender,
    spender: registry,
    amount,
    purpose: "the bond",
  });
  const { hash, logs } = await transact(client, {
    address: registry,
    abi: communityRegistryAbi,
    functionName: "postBond",
    args: [communityId, amount],
  });
  const event = eventArgs(communityRegistryAbi, logs, "CommunityBondPosted", registry);
  return { hash, approveHash, posted: event.amount, bond: event.bond };
}
