import type { Hash } from "viem";
import { modelRegistryAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError, KhoNotFoundError } from "../../errors";
import { type KhoRevertError, transact } from "../../transact";
import { toId } from "../../validate";

export type WithdrawAdmissionParameters = { modelId: bigint };
export type WithdrawAdmissionReturnType = { hash: Hash };
/** `NotCommunitySteward(communityId, caller)` when the sender is no steward of the model's home community. */
export type WithdrawAdmissionErrorType = KhoInputError | KhoNotFoundError | KhoRevertError | Error;

/** Withdraws a model's admission by its home community (a steward of that community only). */
export async function withdrawAdmission(
  client: KhoClient,
  parameters: WithdrawAdmissionParameters,
): Promise<WithdrawAdmissionReturnType> {
  const { hash } = await transact(client, {
    address: client.addresses.ModelRegistry,
    abi: modelRegistryAbi,
    functionName: "withdrawAdmission",
    args: [toId(parameters.modelId, "model")],
  });
  return { hash };
}
