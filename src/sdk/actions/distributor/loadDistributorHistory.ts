import type { Hex, PublicClient } from "viem";
import { rewardDistributorAbi } from "../../../protocol/abis";
import type { KhoAddresses } from "../../client";
import { getLogsChunked } from "../chain/getLogsChunked";

export type PublishedRoot = { root: Hex; epoch: bigint; totalCumulative: bigint; dataURI: string; block: bigint };

/** RewardDistributor's funding and root events: the budget and the published cumulative trees. */
export type DistributorHistory = {
  /** Σ Funded amounts whose epoch is ≤ `epoch`. */
  fundedThrough(epoch: bigint): bigint;
  /** Σ Funded amounts naming exactly `epoch`. */
  fundedFor(epoch: bigint): bigint;
  /** Every accepted root, oldest first, with the dataURI it was proposed with. */
  accepted: PublishedRoot[];
  /** Every proposal, oldest first (revoked and superseded ones included). */
  proposed: (PublishedRoot & { validAt: bigint; revoked: boolean })[];
  /** How many events it was built from; they only ever grow, so a new count means something changed. */
  events: number;
};

export async function loadDistributorHistory(
  client: PublicClient,
  parameters: { addresses: KhoAddresses; fromBlock: bigint; toBlock: bigint; chunk?: bigint },
): Promise<DistributorHistory> {
  const logs = await getLogsChunked(client, {
    address: parameters.addresses.RewardDistributor,
    abi: rewardDistributorAbi,
    fromBlock: parameters.fromBlock,
    toBlock: parameters.toBlock,
    chunk: parameters.chunk,
  });
  const funded: { epoch: bigint; amount: bigint }[] = [];
  const proposed: DistributorHistory["proposed"] = [];
  const accepted: PublishedRoot[] = [];
  for (const log of logs) {
    if (log.eventName === "Funded") {
      funded.push({ epoch: log.args.epoch, amount: log.args.amount });
    } else if (log.eventName === "RootProposed") {
      const { root, epoch, totalCumulative, dataURI, validAt } = log.args;
      proposed.push({ root, epoch, totalCumulative, dataURI, validAt, block: log.blockNumber, revoked: false });
    } else if (log.eventName === "RootRevoked") {
      // Only one root is pending at a time, so a revocation always concerns the latest proposal.
      const last = proposed.at(-1);
      if (last && last.root === log.args.root) last.revoked = true;
    } else if (log.eventName === "RootAccepted") {
      const last = proposed.at(-1);
      const dataURI = last && last.root === log.args.root ? last.dataURI : "";
      const { root, epoch, totalCumulative } = log.args;
      accepted.push({ root, epoch, totalCumulative, dataURI, block: log.blockNumber });
    }
  }
  return {
    fundedThrough: (epoch) => funded.reduce((sum, f) => (f.epoch <= epoch ? sum + f.amount : sum), 0n),
    fundedFor: (epoch) => funded.reduce((sum, f) => (f.epoch === epoch ? sum + f.amount : sum), 0n),
    accepted,
    proposed,
    events: logs.length,
  };
}
