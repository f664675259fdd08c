import type { BaseError as ViemBaseError } from "viem";
import type { Address, Hex } from "viem";
import { khoTokenAbi, rewardDistributorAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import { read } from "../../transact";

export type DistributorRoot = {
  root: Hex;
  epoch: bigint;
  totalCumulative: bigint;
  dataURI: string;
};

export type GetDistributorStateReturnType = {
  token: Address;
  /** Seconds a proposed root waits before it can be accepted. */
  timelock: bigint;
  /** The root claims are checked against; null before the first acceptance. */
  current: (DistributorRoot & { acceptedAt: bigint }) | null;
  /** The root waiting out its timelock; null when none. */
  pending: (DistributorRoot & { validAt: bigint }) | null;
  totalFunded: bigint;
  /**
   * Reward tokens the distributor holds: the most claims can still pay in total (it keeps no claimed
   * total; the sum of `Claimed` events is what was paid).
   */
  balance: bigint;
  /** Claims are stopped (a pauser paused them; only the admin resumes). */
  paused: boolean;
};
export type GetDistributorStateErrorType = ViemBaseError;

const isZero = (value: Hex): boolean => /^0x0{64}$/.test(value);

/** A snapshot of the reward distributor: roots, funding and claims. */
export async function getDistributorState(client: KhoClient): Promise<GetDistributorStateReturnType> {
  const common = { address: client.addresses.RewardDistributor, abi: rewardDistributorAbi, args: [] } as const;
  const [token, timelock, current, pending, totalFunded, paused] = await Promise.all([
    read(client, { ...common, functionName: "token" }),
    read(client, { ...common, functionName: "timelock" }),
    read(client, { ...common, functionName: "currentRoot" }),
    read(client, { ...common, functionName: "pendingRoot" }),
    read(client, { ...common, functionName: "totalFunded" }),
    read(client, { ...common, functionName: "paused" }),
  ]);
  const balance = await read(client, {
    address: token,
    abi: khoTokenAbi,
    functionName: "balanceOf",
    args: [client.addresses.RewardDistributor],
  });
  return {
    token,
    timelock: BigInt(timelock),
    current: isZero(current.root)
      ? null
      : {
          root: current.root,
          epoch: BigInt(current.epoch),
          totalCumulative: current.totalCumulative,
          dataURI: current.dataURI,
          acceptedAt: BigInt(current.acceptedAt),
        },
    pending: isZero(pending.root)
      ? null
      : {
          root: pending.root,
          epoch: BigInt(pending.epoch),
          totalCumulative: pending.totalCumulative,
          dataURI: pending.dataURI,
          validAt: BigInt(pending.validAt),
        },
    totalFunded,
    balance,
    paused,
  };
}
