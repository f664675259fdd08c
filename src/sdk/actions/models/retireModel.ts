import type { Hash } from "viem";
import { modelRegistryAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError, KhoNotFoundError } from "../../errors";
import { type KhoRevertError, transact } from "../../transact";
import { toId } from "../../validate";
import type { BaseError as ViemBaseError } from "viem";

export type RetireModelParameters = { modelId: bigint };
export type RetireModelReturnType = { hash: Hash };
export type RetireModelErrorType = KhoInputError | KhoNotFoundError | KhoRevertError | ViemBaseError;

/** Retires a model for good (builder, or the admin as an emergency takedown). */
export async function retireModel(
  client: KhoClient,
  parameters: RetireModelParameters,
): Promise<RetireModelReturnType> {
  const { hash } = await transact(client, {
    address: client.addresses.ModelRegistry,
    abi: modelRegistryAbi,
    functionName: "retireModel",
    args: [toId(parameters.modelId, "model")],
  });
  return { hash };
}
