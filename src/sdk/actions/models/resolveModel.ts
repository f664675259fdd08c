import { modelRegistryAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import { KhoInputError, KhoNotFoundError } from "../../errors";
import { read } from "../../transact";
import { toId } from "../../validate";
import type { BaseError as ViemBaseError } from "viem";

export type ResolveModelParameters = {
  /**
   * An id or a name. A string of digits is tried as an id first and then as a name, because model
   * names may be all digits.
   */
  model: bigint | number | string;
};
export type ResolveModelReturnType = bigint;
export type ResolveModelErrorType = KhoInputError | KhoNotFoundError | ViemBaseError;

/** The id of an existing model named by id or name. */
export async function resolveModel(
  client: KhoClient,
  parameters: ResolveModelParameters,
): Promise<ResolveModelReturnType> {
  const { model } = parameters;
  const common = { address: client.addresses.ModelRegistry, abi: modelRegistryAbi } as const;
  const exists = (id: bigint) => read(client, { ...common, functionName: "modelExists", args: [id] });
  if (typeof model !== "string") {
    const id = toId(model, "model");
    if (await exists(id)) return id;
    throw new KhoNotFoundError("model", id);
  }
  const text = model.trim();
  if (text === "") throw new KhoInputError("model must be an id or a name, got an empty string");
  const numeric = /^[0-9]+$/.test(text);
  if (numeric && BigInt(text) > 0n && (await exists(BigInt(text)))) return BigInt(text);
  const id = await read(client, { ...common, functionName: "modelIdByName", args: [text] });
  if (id !== 0n) return id;
  throw numeric ? new KhoNotFoundError("model", BigInt(text)) : new KhoNotFoundError("model", text);
}
