import type { Hash } from "viem";
import { modelRegistryAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError, KhoNotFoundError } from "../../errors";
import { type KhoRevertError, transact } from "../../transact";
import { toId } from "../../validate";

export type AdmitModelParameters = { modelId: bigint };
export type AdmitModelReturnType = { hash: Hash };
/** `NotCommunitySteward(communityId, caller)` when the sender is no steward of the model's home community. */
export type AdmitModelErrorType = KhoInputError | KhoNotFoundError | KhoRevertError | Error;

/** Admits a model into its home community (a steward of that community only). */
export async function admitModel(client: KhoClient, parameters: AdmitModelParameters): Promise<AdmitModelReturnType> {
  const { hash } = await transact(client, {
    address: client.addresses.ModelRegistry,
    abi: modelRegistryAbi,
    functionName: "admitModel",
    args: [toId(parameters.modelId, "model")],
  });
  return { hash };
}
