import type { Hash } from "viem";
import { formatKho } from "../../../protocol/token-units";
import { datasetStakingAbi, khoTokenAbi } from "../../../protocol/abis";
import { type KhoClient, requireAccount } from "../../client";
import { type KhoInputError, KhoInsufficientFundsError, KhoNotFoundError } from "../../errors";
import { type KhoRevertError, eventArgs, read, transact } from "../../transact";
import { toId, toPositiveAmount } from "../../validate";
import type { BaseError as ViemBaseError } from "viem";

export type StakeParameters = {
  datasetId: bigint;
  /** Token base units. */
  amount: bigint;
};
export type StakeReturnType = {
  hash: Hash;
  /** The approve transaction sent first when the allowance was short. */
  approveHash?: Hash;
  /** Amount credited (what actually arrived). */
  staked: bigint;
  newStake: bigint;
};
export type StakeErrorType =
  KhoInputError | KhoNotFoundError | KhoInsufficientFundsError | KhoRevertError | ViemBaseError;

/**
 * Stakes tokens on a dataset. Approves the staking contract first when its allowance is short
 * (for exactly `amount`, so no standing allowance is left behind), and checks the balance before
 * sending anything so a sure failure costs no gas.
 */
export async function stake(client: KhoClient, parameters: StakeParameters): Promise<StakeReturnType> {
  const sender = requireAccount(client, "stake");
  const datasetId = toId(parameters.datasetId, "dataset");
  const amount = toPositiveAmount(parameters.amount);
  const staking = client.addresses.DatasetStaking;

  const [exists, token] = await Promise.all([
    read(client, { address: staking, abi: datasetStakingAbi, functionName: "datasetExists", args: [datasetId] }),
    read(client, { address: staking, abi: datasetStakingAbi, functionName: "token", args: [] }),
  ]);
  if (!exists) throw new KhoNotFoundError("dataset", datasetId);

  const [balance, allowance] = await Promise.all([
    read(client, { address: token, abi: khoTokenAbi, functionName: "balanceOf", args: [sender] }),
    read(client, { address: token, abi: khoTokenAbi, functionName: "allowance", args: [sender, staking] }),
  ]);
  if (balance < amount) {
    throw new KhoInsufficientFundsError(
      sender,
      balance,
      amount,
      `${sender} holds ${formatKho(balance)} but staking needs ${formatKho(amount)}`,
    );
  }

  let approveHash: Hash | undefined;
  if (allowance < amount) {
    ({ hash: approveHash } = await transact(client, {
      address: token,
      abi: khoTokenAbi,
      functionName: "approve",
      args: [staking, amount],
    }));
  }

  const { hash, logs } = await transact(client, {
    address: staking,
    abi: datasetStakingAbi,
    functionName: "stake",
    args: [datasetId, amount],
  });
  const event = eventArgs(datasetStakingAbi, logs, "Staked", staking);
  return { hash, approveHash, staked: event.amount, newStake: event.newStake };
}
