import { modelRegistryAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError, KhoNotFoundError } from "../../errors";
import { type KhoRevertError, read } from "../../transact";
import { toId } from "../../validate";

export type GetModelTermsParameters = { modelId: bigint };
export type GetModelTermsReturnType = {
  /** Token base units charged per call. */
  pricePerCall: bigint;
  /** Whether a steward of the model's home community admitted it. */
  admitted: boolean;
};
export type GetModelTermsErrorType = KhoInputError | KhoNotFoundError | KhoRevertError | Error;

/** A model's price per call and whether its home community admitted it. */
export async function getModelTerms(
  client: KhoClient,
  parameters: GetModelTermsParameters,
): Promise<GetModelTermsReturnType> {
  const modelId = toId(parameters.modelId, "model");
  const address = client.addresses.ModelRegistry;
  const [pricePerCall, admitted] = await Promise.all([
    read(client, { address, abi: modelRegistryAbi, functionName: "priceOf", args: [modelId] }),
    read(client, { address, abi: modelRegistryAbi, functionName: "isAdmitted", args: [modelId] }),
  ]);
  return { pricePerCall, admitted };
}
