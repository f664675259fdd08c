import type { Hash } from "viem";
import { modelRegistryAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import { KhoInputError, type KhoNotFoundError } from "../../errors";
import { type KhoRevertError, transact } from "../../transact";
import { toId } from "../../validate";

export type SetModelPriceParameters = {
  modelId: bigint;
  /** Token base units charged per call (0 makes calls free). */
  pricePerCall: bigint;
};
export type SetModelPriceReturnType = { hash: Hash };
export type SetModelPriceErrorType = KhoInputError | KhoNotFoundError | KhoRevertError | Error;

/** Sets a model's price per call (builder only); it applies to calls served after it. */
export async function setModelPrice(
  client: KhoClient,
  parameters: SetModelPriceParameters,
): Promise<SetModelPriceReturnType> {
  const { pricePerCall } = parameters;
  if (typeof pricePerCall !== "bigint" || pricePerCall < 0n) {
    throw new KhoInputError(`pricePerCall must not be negative, got ${String(pricePerCall)}`);
  }
  const { hash } = await transact(client, {
    address: client.addresses.ModelRegistry,
    abi: modelRegistryAbi,
    functionName: "setPrice",
    args: [toId(parameters.modelId, "model"), pricePerCall],
  });
  return { hash };
}
