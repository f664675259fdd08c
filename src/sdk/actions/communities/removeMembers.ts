import { type Address, type Hash, isAddressEqual, parseEventLogs } from "viem";
import { communityRegistryAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError, KhoNotFoundError } from "../../errors";
import { type KhoRevertError, transact } from "../../transact";
import { toId } from "../../validate";
import { memberBatches } from "./memberBatches";
import type { BaseError as ViemBaseError } from "viem";

export type RemoveMembersParameters = { communityId: bigint; members: readonly string[] };
export type RemoveMembersReturnType = {
  hashes: Hash[];
  /** Addresses whose attestation was withdrawn (non-members are skipped by the contract). */
  removed: Address[];
};
export type RemoveMembersErrorType = KhoInputError | KhoNotFoundError | KhoRevertError | ViemBaseError;

/** Withdraws member attestations (steward only), in batches of 200. */
export async function removeMembers(
  client: KhoClient,
  parameters: RemoveMembersParameters,
): Promise<RemoveMembersReturnType> {
  const communityId = toId(parameters.communityId, "community");
  const batches = memberBatches(parameters.members);
  const address = client.addresses.CommunityRegistry;
  const hashes: Hash[] = [];
  const removed: Address[] = [];
  for (const batch of batches) {
    const { hash, logs } = await transact(client, {
      address,
      abi: communityRegistryAbi,
      functionName: "removeMembers",
      args: [communityId, batch],
    });
    hashes.push(hash);
    const events = parseEventLogs({ abi: communityRegistryAbi, logs, eventName: "MemberRemoved", strict: true });
    removed.push(...events.filter((e) => isAddressEqual(e.address, address)).map((e) => e.args.member));
  }
  return { hashes, removed };
}
