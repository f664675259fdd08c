import { communityRegistryAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError, KhoNotFoundError } from "../../errors";
import { type KhoRevertError, read } from "../../transact";
import { toId } from "../../validate";

export type GetCommunityStandingParameters = { communityId: bigint };
export type GetCommunityStandingReturnType = {
  /** Token base units bonded. */
  bond: bigint;
  /** The bond recognition requires. */
  minBond: bigint;
  /** Whether its attestations count as membership for rewards. */
  recognized: boolean;
};
export type GetCommunityStandingErrorType = KhoInputError | KhoNotFoundError | KhoRevertError | Error;

/** A community's bond and recognition. */
export async function getCommunityStanding(
  client: KhoClient,
  parameters: GetCommunityStandingParameters,
): Promise<GetCommunityStandingReturnType> {
  const communityId = toId(parameters.communityId, "community");
  const address = client.addresses.CommunityRegistry;
  const [bond, minBond, recognized] = await Promise.all([
    read(client, { address, abi: communityRegistryAbi, functionName: "bondOf", args: [communityId] }),
    read(client, { address, abi: communityRegistryAbi, functionName: "minBond", args: [] }),
    read(client, { address, abi: communityRegistryAbi, functionName: "isRecognized", args: [communityId] }),
  ]);
  return { bond, minBond, recognized };
}
