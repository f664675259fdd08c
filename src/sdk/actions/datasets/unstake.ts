import type { Hash } from "viem";
import { datasetStakingAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError, KhoNotFoundError } from "../../errors";
import { type KhoRevertError, eventArgs, transact } from "../../transact";
import { toId, toPositiveAmount } from "../../validate";
import type { BaseError as ViemBaseError } from "viem";

export type UnstakeParameters = { datasetId: bigint; /** Token base units. */ amount: bigint };
export type UnstakeReturnType = {
  hash: Hash;
  newStake: bigint;
  /** Unix seconds from which `withdraw` pays these tokens. */
  releaseTime: bigint;
};
export type UnstakeErrorType = KhoInputError | KhoNotFoundError | KhoRevertError | ViemBaseError;

/** Removes stake now (it stops earning) and queues the tokens for withdrawal after the unbonding period. */
export async function unstake(client: KhoClient, parameters: UnstakeParameters): Promise<UnstakeReturnType> {
  const address = client.addresses.DatasetStaking;
  const { hash, logs } = await transact(client, {
    address,
    abi: datasetStakingAbi,
    functionName: "unstake",
    args: [toId(parameters.datasetId, "dataset"), toPositiveAmount(parameters.amount)],
  });
  const event = eventArgs(datasetStakingAbi, logs, "UnstakeRequested", address);
  return { hash, newStake: event.newStake, releaseTime: BigInt(event.releaseTime) };
}
