import type { Hash } from "viem";
import { datasetStakingAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import { type KhoRevertError, eventArgs, transact } from "../../transact";
import type { BaseError as ViemBaseError } from "viem";

export type WithdrawReturnType = { hash: Hash; /** Tokens paid. */ amount: bigint };
/** `NothingMatured(staker, nextRelease)` when no entry has been released yet. */
export type WithdrawErrorType = KhoRevertError | ViemBaseError;

/** Pays the sender every matured unbonding entry, on all datasets. */
export async function withdraw(client: KhoClient): Promise<WithdrawReturnType> {
  const address = client.addresses.DatasetStaking;
  const { hash, logs } = await transact(client, {
    address,
    abi: datasetStakingAbi,
    functionName: "withdraw",
    args: [],
  });
  const { amount } = eventArgs(datasetStakingAbi, logs, "Withdrawn", address);
  return { hash, amount };
}
