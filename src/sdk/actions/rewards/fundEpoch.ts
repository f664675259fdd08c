import { type Hash, parseEventLogs } from "viem";
import { rewardDistributorAbi } from "../../../protocol/abis";
import { formatKho } from "../../../protocol/token-units";
import { allowance } from "../token/allowance";
import { approve } from "../token/approve";
import { balanceOf } from "../token/balanceOf";
import { type KhoClient, requireAccount } from "../../client";
import { type KhoRevertError, transact } from "../../transact";
import { RewardsPublishError } from "./errors";
import type { BaseError as ViemBaseError } from "viem";

export type FundEpochParameters = { epoch: bigint; /** Token units. */ amount: bigint };
export type FundEpochReturnType = { approveHash: Hash | null; fundHash: Hash; received: bigint };
export type FundEpochErrorType = RewardsPublishError | KhoRevertError | ViemBaseError;

/** Approves the distributor when the allowance is short, then `fund(epoch, amount)`. */
export async function fundEpoch(client: KhoClient, parameters: FundEpochParameters): Promise<FundEpochReturnType> {
  const { epoch, amount } = parameters;
  if (typeof epoch !== "bigint" || epoch < 0n || epoch >= 2n ** 64n)
    throw new RewardsPublishError(`Epoch ${String(epoch)} is not a uint64.`);
  if (typeof amount !== "bigint" || amount <= 0n)
    throw new RewardsPublishError(`Funding amount ${String(amount)} must be positive.`);
  const funder = requireAccount(client, "fund");
  const balance = await balanceOf(client, { account: funder });
  if (balance < amount) {
    throw new RewardsPublishError(
      `Funder ${funder} holds ${formatKho(balance)} but funding needs ${formatKho(amount)}.`,
    );
  }
  const spender = client.addresses.RewardDistributor;
  let approveHash: Hash | null = null;
  if ((await allowance(client, { owner: funder, spender })) < amount) {
    approveHash = (await approve(client, { spender, amount })).hash;
  }
  const { hash, logs } = await transact(client, {
    address: spender,
    abi: rewardDistributorAbi,
    functionName: "fund",
    args: [epoch, amount],
  });
  const funded = parseEventLogs({ abi: rewardDistributorAbi, logs, eventName: "Funded", strict: true });
  return { approveHash, fundHash: hash, received: funded[0]?.args.amount ?? 0n };
}
