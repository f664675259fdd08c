import type { Address } from "viem";
import { datasetStakingAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError, KhoNotFoundError } from "../../errors";
import { read } from "../../transact";
import { toAddress, toId } from "../../validate";
import type { BaseError as ViemBaseError } from "viem";

export type UnbondingEntry = { datasetId: bigint; amount: bigint; /** Unix seconds. */ releaseTime: bigint };

export type GetStakeParameters = { datasetId: bigint; staker: string };
export type GetStakeReturnType = {
  datasetId: bigint;
  staker: Address;
  /** The staker's active stake on this dataset. */
  stake: bigint;
  /** Active stake on this dataset, all stakers. */
  totalStake: bigint;
  /** The staker's pending unbonding entries on every dataset (withdraw pays them all at once). */
  unbonding: UnbondingEntry[];
  /** Part of `unbonding` already released as of the latest block: what `withdraw` would pay now. */
  withdrawable: bigint;
};
export type GetStakeErrorType = KhoInputError | KhoNotFoundError | ViemBaseError;

export async function getStake(client: KhoClient, parameters: GetStakeParameters): Promise<GetStakeReturnType> {
  const datasetId = toId(parameters.datasetId, "dataset");
  const staker = toAddress(parameters.staker, "staker");
  const common = { address: client.addresses.DatasetStaking, abi: datasetStakingAbi } as const;
  // getDataset first, so an unknown id fails as "dataset N does not exist" (stakeOf would just say 0).
  await read(client, { ...common, functionName: "getDataset", args: [datasetId] });
  const [stake, totalStake, entries, block] = await Promise.all([
    read(client, { ...common, functionName: "stakeOf", args: [datasetId, staker] }),
    read(client, { ...common, functionName: "totalStake", args: [datasetId] }),
    read(client, { ...common, functionName: "pendingUnbonding", args: [staker] }),
    client.public.getBlock({ blockTag: "latest" }),
  ]);
  const unbonding = entries.map((e) => ({
    datasetId: e.datasetId,
    amount: e.amount,
    releaseTime: BigInt(e.releaseTime),
  }));
  const withdrawable = unbonding.filter((e) => e.releaseTime <= block.timestamp).reduce((sum, e) => sum + e.amount, 0n);
  return { datasetId, staker, stake, totalStake, unbonding, withdrawable };
}
