import { khoTokenAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError } from "../../errors";
import { read } from "../../transact";
import { toAddress } from "../../validate";
import type { BaseError as ViemBaseError } from "viem";

export type BalanceOfParameters = { account: string };
/** Token base units. */
export type BalanceOfReturnType = bigint;
export type BalanceOfErrorType = KhoInputError | ViemBaseError;

export async function balanceOf(client: KhoClient, parameters: BalanceOfParameters): Promise<BalanceOfReturnType> {
  return read(client, {
    address: client.addresses.KhoToken,
    abi: khoTokenAbi,
    functionName: "balanceOf",
    args: [toAddress(parameters.account, "account")],
  });
}
