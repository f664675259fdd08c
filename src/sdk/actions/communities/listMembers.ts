import type { Address } from "viem";
import { communityRegistryAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError, KhoNotFoundError } from "../../errors";
import { toId } from "../../validate";
import { resolveCommunity } from "./resolveCommunity";
import type { BaseError as ViemBaseError } from "viem";

export type ListMembersParameters = {
  communityId: bigint;
  /** First block to scan; defaults to the client's deployment block. */
  fromBlock?: bigint;
};
export type ListMembersReturnType = Address[];
export type ListMembersErrorType = KhoInputError | KhoNotFoundError | ViemBaseError;

/**
 * Current members, rebuilt from MemberAdded / MemberRemoved events in chain order. The registry
 * keeps no enumerable member list (it would cost every attestation more gas), and it emits an
 * event only for real changes, so replaying the events gives the exact set.
 */
export async function listMembers(
  client: KhoClient,
  parameters: ListMembersParameters,
): Promise<ListMembersReturnType> {
  const communityId = await resolveCommunity(client, { community: toId(parameters.communityId, "community") });
  const fromBlock = parameters.fromBlock ?? client.deploymentBlock;
  const query = {
    address: client.addresses.CommunityRegistry,
    abi: communityRegistryAbi,
    fromBlock,
    strict: true as const,
  };
  const [added, removed] = await Promise.all([
    client.public.getContractEvents({ ...query, eventName: "MemberAdded", args: { communityId } }),
    client.public.getContractEvents({ ...query, eventName: "MemberRemoved", args: { communityId } }),
  ]);
  const changes = [
    ...added.map((l) => ({ block: l.blockNumber, index: l.logIndex, member: l.args.member, isMember: true })),
    ...removed.map((l) => ({ block: l.blockNumber, index: l.logIndex, member: l.args.member, isMember: false })),
  ].sort((a, b) => (a.block === b.block ? a.index - b.index : a.block < b.block ? -1 : 1));
  const members = new Set<Address>();
  for (const change of changes) {
    if (change.isMember) members.add(change.member);
    else members.delete(change.member);
  }
  return [...members];
}
