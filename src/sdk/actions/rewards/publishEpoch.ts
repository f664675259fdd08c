import type { Hash, Hex } from "viem";
import type { KhoClient } from "../../client";
import type { CumulativeRewardTree } from "../../../protocol/cumulative-tree";
import { loadDistributorHistory } from "../distributor/loadDistributorHistory";
import { RewardsPublishError } from "./errors";
import { fundEpoch } from "./fundEpoch";
import { proposeRewardRoot } from "./proposeRewardRoot";
import type { BaseError as ViemBaseError } from "viem";

export type PublishEpochParameters = {
  tree: CumulativeRewardTree;
  /** The budget the tree was computed with (inputs.json `budget.budget`). */
  budget: bigint;
  /** The previous tree's total (inputs.json `budget.previousTotal`). */
  previousTotal: bigint;
  dataURI: string;
  onStep?: (message: string) => void;
};
export type PublishEpochReturnType = {
  epoch: bigint;
  root: Hex;
  totalCumulative: bigint;
  funded: bigint;
  fundHash: Hash | null;
  proposeHash: Hash;
  validAt: bigint;
};
export type PublishEpochErrorType = RewardsPublishError | ViemBaseError;

/**
 * Funds exactly what the epoch's budget still lacks on chain, then proposes the tree's root. The
 * funded amount is chosen so that, afterwards, Σ Funded(≤ epoch) − previous total equals the
 * budget the tree used: anyone recomputing the epoch from chain data gets the same budget.
 */
export async function publishEpoch(
  client: KhoClient,
  parameters: PublishEpochParameters,
): Promise<PublishEpochReturnType> {
  const { tree, budget, previousTotal, dataURI } = parameters;
  if (tree.root === null)
    throw new RewardsPublishError(`Epoch ${tree.epoch} has no account with a reward, so there is no root to publish.`);
  if (budget < 0n || previousTotal < 0n)
    throw new RewardsPublishError("Budget and previous total must not be negative.");
  if (tree.total > previousTotal + budget) {
    throw new RewardsPublishError(
      `The tree pays ${tree.total}, more than the previous total ${previousTotal} plus the budget ${budget}.`,
    );
  }
  const latest = await client.public.getBlockNumber();
  const distributor = await loadDistributorHistory(client.public, {
    addresses: client.addresses,
    fromBlock: client.deploymentBlock,
    toBlock: latest,
  });
  const fundedThrough = distributor.fundedThrough(tree.epoch);
  const target = previousTotal + budget;
  if (fundedThrough > target) {
    throw new RewardsPublishError(
      `Epochs up to ${tree.epoch} are funded with ${fundedThrough}, more than the ${target} this tree was computed with; compute the epoch again.`,
    );
  }
  let fundHash: Hash | null = null;
  const missing = target - fundedThrough;
  if (missing > 0n) {
    parameters.onStep?.(`funding epoch ${tree.epoch} with ${missing} token units`);
    const funded = await fundEpoch(client, { epoch: tree.epoch, amount: missing });
    if (funded.received !== missing) {
      throw new RewardsPublishError(
        `The distributor received ${funded.received} instead of ${missing} (a fee-charging token?); compute the epoch again.`,
      );
    }
    fundHash = funded.fundHash;
  }
  parameters.onStep?.(`proposing root ${tree.root} for epoch ${tree.epoch}`);
  const proposed = await proposeRewardRoot(client, {
    root: tree.root,
    epoch: tree.epoch,
    totalCumulative: tree.total,
    dataURI,
  });
  return {
    epoch: tree.epoch,
    root: tree.root,
    totalCumulative: tree.total,
    funded: missing,
    fundHash,
    proposeHash: proposed.hash,
    validAt: proposed.validAt,
  };
}
