import type { Hash } from "viem";
import { communityRegistryAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError, KhoNotFoundError } from "../../errors";
import { type KhoRevertError, transact } from "../../transact";
import { toId } from "../../validate";

export type RevokeRecognitionParameters = { communityId: bigint };
export type RevokeRecognitionReturnType = { hash: Hash };
export type RevokeRecognitionErrorType = KhoInputError | KhoNotFoundError | KhoRevertError | Error;

/** Revokes a community's recognition (GOVERNOR_ROLE only). To punish, slash instead: revoking unlocks the bond. */
export async function revokeRecognition(
  client: KhoClient,
  parameters: RevokeRecognitionParameters,
): Promise<RevokeRecognitionReturnType> {
  const { hash } = await transact(client, {
    address: client.addresses.CommunityRegistry,
    abi: communityRegistryAbi,
    functionName: "revokeRecognition",
    args: [toId(parameters.communityId, "community")],
  });
  return { hash };
}
