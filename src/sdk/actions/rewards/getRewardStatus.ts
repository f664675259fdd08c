import { type Address, getAddress, isAddress } from "viem";
import { rewardDistributorAbi } from "../../../protocol/abis";
import type { Mirror } from "../../../protocol/mirror";
import type { KhoClient } from "../../client";
import { read } from "../../transact";
import { loadDistributorHistory } from "../distributor/loadDistributorHistory";
import { RewardsPublishError } from "./errors";
import { loadRewardTree } from "./loadRewardTree";
import type { BaseError as ViemBaseError } from "viem";

export type RewardHistoryEntry = {
  epoch: bigint;
  root: `0x${string}`;
  /** The account's cumulative amount in that root (0 when absent); null when the tree dump is unreadable. */
  cumulative: bigint | null;
  /** What that root added for the account over the previous accepted root. */
  earned: bigint | null;
};

export type GetRewardStatusParameters = {
  account: string;
  fetchData?: (uri: string) => Promise<Uint8Array>;
  /** Mirrors asked for each accepted tree (by its root) before its data URI. */
  mirrors?: readonly Mirror[];
  /** Told, in one sentence, about each mirror that did not have a valid tree. */
  onSourceFailed?: (message: string) => void;
};
export type GetRewardStatusReturnType = {
  account: Address;
  /** cumulative(latest accepted tree) − claimed. */
  claimable: bigint;
  claimed: bigint;
  /** The account's cumulative amount in the accepted root. */
  cumulative: bigint;
  acceptedEpoch: bigint | null;
  history: RewardHistoryEntry[];
};
export type GetRewardStatusErrorType = RewardsPublishError | ViemBaseError;

/** Claimable and claimed amounts and the account's amount in every accepted root. */
export async function getRewardStatus(
  client: KhoClient,
  parameters: GetRewardStatusParameters,
): Promise<GetRewardStatusReturnType> {
  if (typeof parameters.account !== "string" || !isAddress(parameters.account, { strict: false })) {
    throw new RewardsPublishError(`Account "${String(parameters.account)}" is not an address.`);
  }
  const account = getAddress(parameters.account);
  const latest = await client.public.getBlockNumber();
  const [claimed, distributor] = await Promise.all([
    read(client, {
      address: client.addresses.RewardDistributor,
      abi: rewardDistributorAbi,
      functionName: "claimed",
      args: [account],
    }),
    loadDistributorHistory(client.public, {
      addresses: client.addresses,
      fromBlock: client.deploymentBlock,
      toBlock: latest,
    }),
  ]);
  const history: RewardHistoryEntry[] = [];
  let previous: bigint | null = 0n;
  for (const accepted of distributor.accepted) {
    let cumulative: bigint | null;
    try {
      const tree = await loadRewardTree({
        dataURI: accepted.dataURI,
        root: accepted.root,
        fetchData: parameters.fetchData,
        mirrors: parameters.mirrors,
        onSourceFailed: parameters.onSourceFailed,
      });
      cumulative = tree.entries.find((e) => e.account.toLowerCase() === account.toLowerCase())?.cumulative ?? 0n;
    } catch {
      cumulative = null;
    }
    history.push({
      epoch: accepted.epoch,
      root: accepted.root,
      cumulative,
      earned: cumulative === null || previous === null ? null : cumulative - previous,
    });
    previous = cumulative;
  }
  const last = history.at(-1);
  if (last && last.cumulative === null) {
    throw new RewardsPublishError(
      `The accepted root's tree at ${distributor.accepted.at(-1)!.dataURI} cannot be read, so the claimable amount is unknown.`,
    );
  }
  const cumulative = last?.cumulative ?? 0n;
  return {
    account,
    claimable: cumulative > claimed ? cumulative - claimed : 0n,
    claimed,
    cumulative,
    acceptedEpoch: last?.epoch ?? null,
    history,
  };
}
