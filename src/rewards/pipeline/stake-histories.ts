import type { Address } from "viem";
import type { StakeCheckpoint, StakeHistory } from "../core/types";
import type { StakeEvent } from "./chain-history";

/**
 * Per (dataset, staker) stake during [epochStart, epochEnd), from Staked / UnstakeRequested
 * events (each carries the new stake). This mirrors DatasetStaking's checkpoints: a change at
 * second t holds from t on, and several changes with one timestamp collapse into the last one.
 */
export function stakeHistories(events: readonly StakeEvent[], epochStart: bigint, epochEnd: bigint): StakeHistory[] {
  type Entry = { datasetId: bigint; staker: Address; atStart: bigint; changes: Map<bigint, bigint> };
  const entries = new Map<string, Entry>();
  for (const e of events) {
    if (e.timestamp >= epochEnd) continue;
    const key = `${e.datasetId}|${e.staker.toLowerCase()}`;
    let entry = entries.get(key);
    if (!entry) {
      entry = { datasetId: e.datasetId, staker: e.staker, atStart: 0n, changes: new Map() };
      entries.set(key, entry);
    }
    // Events arrive in chain order, so the last write for a timestamp is the block's final value.
    if (e.timestamp < epochStart) entry.atStart = e.newStake;
    else entry.changes.set(e.timestamp, e.newStake);
  }
  const histories: StakeHistory[] = [];
  for (const entry of entries.values()) {
    const checkpoints: StakeCheckpoint[] = [...entry.changes].map(([timestamp, amount]) => ({ timestamp, amount }));
    if (entry.atStart === 0n && checkpoints.every((c) => c.amount === 0n)) continue;
    histories.push({ datasetId: entry.datasetId, staker: entry.staker, amountAtStart: entry.atStart, checkpoints });
  }
  return histories;
}
