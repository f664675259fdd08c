import { type Address, type Hash, isAddressEqual, parseEventLogs } from "viem";
import { communityRegistryAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError, KhoNotFoundError } from "../../errors";
import { type KhoRevertError, transact } from "../../transact";
import { toId } from "../../validate";
import { memberBatches } from "./memberBatches";
import type { BaseError as ViemBaseError } from "viem";

export type AddMembersParameters = { communityId: bigint; members: readonly string[] };
export type AddMembersReturnType = {
  /** One transaction per batch of up to 200 addresses. */
  hashes: Hash[];
  /** Addresses that became members (already-attested ones are skipped by the contract). */
  added: Address[];
};
export type AddMembersErrorType = KhoInputError | KhoNotFoundError | KhoRevertError | ViemBaseError;

/** Attests members of a community (steward only), in batches of 200. Re-adding a member is a no-op. */
export async function addMembers(client: KhoClient, parameters: AddMembersParameters): Promise<AddMembersReturnType> {
  const communityId = toId(parameters.communityId, "community");
  const batches = memberBatches(parameters.members);
  const address = client.addresses.CommunityRegistry;
  const hashes: Hash[] = [];
  const added: Address[] = [];
  for (const batch of batches) {
    const { hash, logs } = await transact(client, {
      address,
      abi: communityRegistryAbi,
      functionName: "addMembers",
      args: [communityId, batch],
    });
    hashes.push(hash);
    const events = parseEventLogs({ abi: communityRegistryAbi, logs, eventName: "MemberAdded", strict: true });
    added.push(...events.filter((e) => isAddressEqual(e.address, address)).map((e) => e.args.member));
  }
  return { hashes, added };
}
