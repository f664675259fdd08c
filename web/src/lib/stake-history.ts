import type { PublicClient } from "viem";
import { datasetStakingAbi } from "../../../src/protocol/abis";
import type { Contracts } from "./config";

/** A dataset's total stake right after a change, at that block's time (unix seconds). */
export type StakePoint = { time: bigint; total: bigint };

export type StakeChange = { datasetId: bigint; blockNumber: bigint; logIndex: number; delta: bigint };

/**
 * Each dataset's total stake after every change, in chain order: a Staked event adds its amount,
 * an UnstakeRequested event removes it (the tokens stop counting when unbonding starts, as in the
 * contract's totals). `times` maps a block number to its timestamp.
 */
export function stakeHistory(changes: StakeChange[], times: Map<bigint, bigint>): Map<bigint, StakePoint[]> {
  const ordered = [...changes].sort((a, b) =>
    a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
  );
  const history = new Map<bigint, StakePoint[]>();
  for (const change of ordered) {
    const time = times.get(change.blockNumber);
    if (time === undefined) throw new Error(`no timestamp for block ${change.blockNumber}`);
    const points = history.get(change.datasetId) ?? [];
    const total = (points.at(-1)?.total ?? 0n) + change.delta;
    // Several changes in one block show as one point: the total after the block.
    if (points.at(-1)?.time === time) points[points.length - 1] = { time, total };
    else points.push({ time, total });
    history.set(change.datasetId, points);
  }
  return history;
}

/** Reads every dataset's stake history from DatasetStaking's events since the deployment block. */
export async function readStakeHistory(
  client: PublicClient,
  contracts: Contracts,
  fromBlock: bigint,
): Promise<Map<bigint, StakePoint[]>> {
  const base = { address: contracts.DatasetStaking, abi: datasetStakingAbi, fromBlock } as const;
  const [staked, unstaked] = await Promise.all([
    client.getContractEvents({ ...base, eventName: "Staked" }),
    client.getContractEvents({ ...base, eventName: "UnstakeRequested" }),
  ]);
  const changes: StakeChange[] = [
    ...staked.map((e) => ({ ...e, delta: e.args.amount ?? 0n })),
    ...unstaked.map((e) => ({ ...e, delta: -(e.args.amount ?? 0n) })),
  ].map((e) => ({
    datasetId: e.args.datasetId ?? 0n,
    blockNumber: e.blockNumber,
    logIndex: e.logIndex,
    delta: e.delta,
  }));
  const blocks = [...new Set(changes.map((c) => c.blockNumber))];
  const times = new Map(
    await Promise.all(
      blocks.map(async (n) => [n, (await client.getBlock({ blockNumber: n })).timestamp] as [bigint, bigint]),
    ),
  );
  return stakeHistory(changes, times);
}
