import type { Hash } from "viem";
import { communityRegistryAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError, KhoNotFoundError } from "../../errors";
import { type KhoRevertError, transact } from "../../transact";
import { toId } from "../../validate";

export type RecognizeCommunityParameters = { communityId: bigint };
export type RecognizeCommunityReturnType = { hash: Hash };
export type RecognizeCommunityErrorType = KhoInputError | KhoNotFoundError | KhoRevertError | Error;

/** Recognizes a bonded community (GOVERNOR_ROLE only): its attestations count as membership. */
export async function recognizeCommunity(
  client: KhoClient,
  parameters: RecognizeCommunityParameters,
): Promise<RecognizeCommunityReturnType> {
  const { hash } = await transact(client, {
    address: client.addresses.CommunityRegistry,
    abi: communityRegistryAbi,
    functionName: "recognize",
    args: [toId(parameters.communityId, "community")],
  });
  return { hash };
}
