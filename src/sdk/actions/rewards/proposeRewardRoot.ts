import { type Hash, type Hex, parseEventLogs } from "viem";
import { rewardDistributorAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import { type KhoRevertError, transact } from "../../transact";
import { RewardsPublishError } from "./errors";
import type { BaseError as ViemBaseError } from "viem";

export type ProposeRewardRootParameters = {
  root: Hex;
  epoch: bigint;
  /** Σ cumulative amounts of the tree. */
  totalCumulative: bigint;
  /** Where the tree dump can be fetched (file:// or http(s)://), 1..512 bytes. */
  dataURI: string;
};
export type ProposeRewardRootReturnType = { hash: Hash; validAt: bigint };
export type ProposeRewardRootErrorType = RewardsPublishError | KhoRevertError | ViemBaseError;

/** `proposeRoot` (POSTER_ROLE); the root becomes acceptable after the distributor's timelock. */
export async function proposeRewardRoot(
  client: KhoClient,
  parameters: ProposeRewardRootParameters,
): Promise<ProposeRewardRootReturnType> {
  const { root, epoch, totalCumulative, dataURI } = parameters;
  if (!/^0x[0-9a-fA-F]{64}$/.test(root) || /^0x0{64}$/.test(root))
    throw new RewardsPublishError(`Root ${root} is not a non-zero bytes32.`);
  if (typeof epoch !== "bigint" || epoch < 0n || epoch >= 2n ** 64n)
    throw new RewardsPublishError(`Epoch ${String(epoch)} is not a uint64.`);
  if (typeof totalCumulative !== "bigint" || totalCumulative <= 0n) {
    throw new RewardsPublishError(`Total cumulative ${String(totalCumulative)} must be positive.`);
  }
  const uriBytes = new TextEncoder().encode(dataURI).length;
  if (uriBytes === 0 || uriBytes > 512)
    throw new RewardsPublishError(`Data URI must be 1..512 bytes, got ${uriBytes}.`);
  const { hash, logs } = await transact(client, {
    address: client.addresses.RewardDistributor,
    abi: rewardDistributorAbi,
    functionName: "proposeRoot",
    args: [root, epoch, totalCumulative, dataURI],
  });
  const proposed = parseEventLogs({ abi: rewardDistributorAbi, logs, eventName: "RootProposed", strict: true });
  return { hash, validAt: proposed[0]?.args.validAt ?? 0n };
}
