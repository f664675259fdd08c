import { type Address, type Hash, type Hex, getAddress, isAddress, parseEventLogs } from "viem";
import { verifyProof, rewardLeaf } from "../../../protocol/merkle";
import { rewardDistributorAbi } from "../../../protocol/abis";
import { formatKho } from "../../../protocol/token-units";
import { getDistributorState } from "../distributor/getDistributorState";
import type { Mirror } from "../../../protocol/mirror";
import type { KhoClient } from "../../client";
import { type KhoRevertError, read, transact } from "../../transact";
import { RewardsPublishError } from "./errors";
import { loadRewardTree } from "./loadRewardTree";
import type { BaseError as ViemBaseError } from "viem";

export type ClaimRewardsParameters = {
  /** Who is paid; anyone may send the claim. */
  account: string;
  /** Leaf amount and proof; when omitted they come from the accepted root's tree dump. */
  cumulative?: bigint;
  proof?: readonly Hex[];
  fetchData?: (uri: string) => Promise<Uint8Array>;
  /** Mirrors asked for the accepted tree (by its root) before its data URI. */
  mirrors?: readonly Mirror[];
  /** Told, in one sentence, about each mirror that did not have a valid tree. */
  onSourceFailed?: (message: string) => void;
};
export type ClaimRewardsReturnType = { hash: Hash; account: Address; amount: bigint; cumulative: bigint };
export type ClaimRewardsErrorType = RewardsPublishError | KhoRevertError | ViemBaseError;

/**
 * `claim(account, cumulative, proof)` against the accepted root: pays cumulative − claimed, so
 * one call covers every epoch since the account's last claim. Checked before sending, so nothing
 * is spent on a claim that would revert.
 */
export async function claimRewards(
  client: KhoClient,
  parameters: ClaimRewardsParameters,
): Promise<ClaimRewardsReturnType> {
  if (typeof parameters.account !== "string" || !isAddress(parameters.account, { strict: false })) {
    throw new RewardsPublishError(`Account "${String(parameters.account)}" is not an address.`);
  }
  const account = getAddress(parameters.account);
  const state = await getDistributorState(client);
  if (!state.current)
    throw new RewardsPublishError("No reward root has been accepted yet, so there is nothing to claim.");
  let cumulative = parameters.cumulative;
  let proof = parameters.proof;
  if (cumulative === undefined || proof === undefined) {
    const tree = await loadRewardTree({
      dataURI: state.current.dataURI,
      root: state.current.root,
      fetchData: parameters.fetchData,
      mirrors: parameters.mirrors,
      onSourceFailed: parameters.onSourceFailed,
    });
    const entry = tree.entries.find((e) => e.account.toLowerCase() === account.toLowerCase());
    if (!entry)
      throw new RewardsPublishError(`${account} has no rewards in the accepted root of epoch ${state.current.epoch}.`);
    cumulative = entry.cumulative;
    proof = entry.proof;
  }
  if (!verifyProof(state.current.root, rewardLeaf(account, cumulative), proof)) {
    throw new RewardsPublishError(
      `The proof for ${account} with ${formatKho(cumulative)} does not match the accepted root.`,
    );
  }
  const claimed = await read(client, {
    address: client.addresses.RewardDistributor,
    abi: rewardDistributorAbi,
    functionName: "claimed",
    args: [account],
  });
  if (cumulative <= claimed)
    throw new RewardsPublishError(
      `${account} has already claimed ${formatKho(claimed)} of ${formatKho(cumulative)}; nothing is left.`,
    );
  const { hash, logs } = await transact(client, {
    address: client.addresses.RewardDistributor,
    abi: rewardDistributorAbi,
    functionName: "claim",
    args: [account, cumulative, [...proof]],
  });
  const event = parseEventLogs({ abi: rewardDistributorAbi, logs, eventName: "Claimed", strict: true })[0];
  return { hash, account, amount: event?.args.amount ?? cumulative - claimed, cumulative };
}
