import type { Hash } from "viem";
import { khoTokenAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import { KhoInputError } from "../../errors";
import { type KhoRevertError, transact } from "../../transact";
import { toAddress } from "../../validate";
import type { BaseError as ViemBaseError } from "viem";

export type ApproveParameters = { spender: string; /** Token base units (0 revokes). */ amount: bigint };
export type ApproveReturnType = { hash: Hash };
export type ApproveErrorType = KhoInputError | KhoRevertError | ViemBaseError;

export async function approve(client: KhoClient, parameters: ApproveParameters): Promise<ApproveReturnType> {
  if (typeof parameters.amount !== "bigint" || parameters.amount < 0n) {
    throw new KhoInputError(`amount must not be negative, got ${String(parameters.amount)}`);
  }
  const { hash } = await transact(client, {
    address: client.addresses.KhoToken,
    abi: khoTokenAbi,
    functionName: "approve",
    args: [toAddress(parameters.spender, "spender"), parameters.amount],
  });
  return { hash };
}
