import type { Address, Hash } from "viem";
import { khoTokenAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError } from "../../errors";
import { type KhoRevertError, transact } from "../../transact";
import { toAddress, toPositiveAmount } from "../../validate";
import type { BaseError as ViemBaseError } from "viem";

export type MintParameters = { to: string; /** Token base units. */ amount: bigint };
export type MintReturnType = { hash: Hash; to: Address; amount: bigint };
/** `OwnableUnauthorizedAccount(sender)` unless the sender owns the dev token. */
export type MintErrorType = KhoInputError | KhoRevertError | ViemBaseError;

/** Mints the development token (KhoToken owner only; real deployments may use any ERC-20). */
export async function mint(client: KhoClient, parameters: MintParameters): Promise<MintReturnType> {
  const to = toAddress(parameters.to, "recipient");
  const amount = toPositiveAmount(parameters.amount);
  const { hash } = await transact(client, {
    address: client.addresses.KhoToken,
    abi: khoTokenAbi,
    functionName: "mint",
    args: [to, amount],
  });
  return { hash, to, amount };
}
