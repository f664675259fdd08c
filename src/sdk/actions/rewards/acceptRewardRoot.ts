import type { Hash, Hex } from "viem";
import { rewardDistributorAbi } from "../../../protocol/abis";
import { getDistributorState } from "../distributor/getDistributorState";
import type { KhoClient } from "../../client";
import { type KhoRevertError, transact } from "../../transact";
import { RewardsPublishError } from "./errors";
import type { BaseError as ViemBaseError } from "viem";

export type AcceptRewardRootReturnType = { hash: Hash; root: Hex; epoch: bigint; totalCumulative: bigint };
export type AcceptRewardRootErrorType = RewardsPublishError | KhoRevertError | ViemBaseError;

/** Time as a short "1h 2m 3s". */
export function formatDuration(seconds: bigint): string {
  const h = seconds / 3600n;
  const m = (seconds % 3600n) / 60n;
  const s = seconds % 60n;
  return [h > 0n ? `${h}h` : "", m > 0n ? `${m}m` : "", `${s}s`].filter(Boolean).join(" ");
}

/** `acceptRoot()` (anyone), checked first so an early call fails with the time left instead of a revert. */
export async function acceptRewardRoot(client: KhoClient): Promise<AcceptRewardRootReturnType> {
  const [state, latest] = await Promise.all([
    getDistributorState(client),
    client.public.getBlock({ blockTag: "latest" }),
  ]);
  const pending = state.pending;
  if (!pending) throw new RewardsPublishError("There is no pending reward root to accept.");
  if (latest.timestamp < pending.validAt) {
    const left = pending.validAt - latest.timestamp;
    throw new RewardsPublishError(
      `The pending root for epoch ${pending.epoch} is timelocked for ${formatDuration(left)} more (until ${new Date(Number(pending.validAt) * 1000).toISOString()}).`,
    );
  }
  const { hash } = await transact(client, {
    address: client.addresses.RewardDistributor,
    abi: rewardDistributorAbi,
    functionName: "acceptRoot",
    args: [],
  });
  return { hash, root: pending.root, epoch: pending.epoch, totalCumulative: pending.totalCumulative };
}
