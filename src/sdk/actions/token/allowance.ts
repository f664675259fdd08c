import { khoTokenAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError } from "../../errors";
import { read } from "../../transact";
import { toAddress } from "../../validate";
import type { BaseError as ViemBaseError } from "viem";

export type AllowanceParameters = { owner: string; spender: string };
export type AllowanceReturnType = bigint;
export type AllowanceErrorType = KhoInputError | ViemBaseError;

export async function allowance(client: KhoClient, parameters: AllowanceParameters): Promise<AllowanceReturnType> {
  return read(client, {
    address: client.addresses.KhoToken,
    abi: khoTokenAbi,
    functionName: "allowance",
    args: [toAddress(parameters.owner, "owner"), toAddress(parameters.spender, "spender")],
  });
}
