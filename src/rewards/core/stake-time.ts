import type { Address } from "viem";
import { RewardsInputError } from "./errors";
import { byBigint, byString, checkAddress, checkId } from "./prepare-inputs";
import type { StakeHistory } from "./types";

export type StakerStakeTime = {
  staker: Address;
  stakerKey: string;
  /** Σ effective stake × seconds inside [epochStart, epochEnd): stake below the minimum counts zero. */
  stakeTime: bigint;
  stakeAtStart: bigint;
  stakeAtEnd: bigint;
};

export type DatasetStakeTime = {
  datasetId: bigint;
  /** Ascending lower-case address. */
  stakers: StakerStakeTime[];
  stakeTime: bigint;
  /** Seconds of the epoch during which some staker held at least the minimum effective stake. */
  coveredSeconds: bigint;
};

type Segment = { timestamp: bigint; amount: bigint };

function checkAmount(value: unknown, what: string): bigint {
  if (typeof value !== "bigint" || value < 0n)
    throw new RewardsInputError(`${what} ${String(value)} is not a non-negative bigint.`);
  return value;
}

/** The staker's stake as ordered (timestamp, amount) steps starting at epochStart. */
function stakeSteps(history: StakeHistory, datasetId: bigint, epochStart: bigint, epochEnd: bigint): Segment[] {
  const where = `Stake of ${history.staker} on dataset ${datasetId}`;
  const steps: Segment[] = [
    { timestamp: epochStart, amount: checkAmount(history.amountAtStart, `${where}: amountAtStart`) },
  ];
  const checkpoints = [...history.checkpoints].map((c) => {
    if (typeof c.timestamp !== "bigint" || c.timestamp < epochStart || c.timestamp >= epochEnd) {
      throw new RewardsInputError(
        `${where} has a checkpoint at ${String(c.timestamp)} outside [${epochStart}, ${epochEnd}).`,
      );
    }
    return { timestamp: c.timestamp, amount: checkAmount(c.amount, `${where}: checkpoint amount`) };
  });
  checkpoints.sort((a, b) => byBigint(a.timestamp, b.timestamp));
  for (let i = 1; i < checkpoints.length; i++) {
    if (checkpoints[i]!.timestamp === checkpoints[i - 1]!.timestamp) {
      throw new RewardsInputError(
        `${where} has two checkpoints at ${checkpoints[i]!.timestamp}; keep only the last one.`,
      );
    }
  }
  for (const c of checkpoints) {
    if (c.timestamp === epochStart) steps[0] = c;
    else steps.push(c);
  }
  return steps;
}

function integrate(steps: readonly Segment[], epochEnd: bigint): bigint {
  let total = 0n;
  for (let i = 0; i < steps.length; i++) {
    const until = i + 1 < steps.length ? steps[i + 1]!.timestamp : epochEnd;
    total += steps[i]!.amount * (until - steps[i]!.timestamp);
  }
  return total;
}

/** Seconds in which the sum of all stakers' steps is positive. */
function coveredSeconds(allSteps: readonly (readonly Segment[])[], epochEnd: bigint): bigint {
  const deltas = new Map<bigint, bigint>();
  for (const steps of allSteps) {
    let previous = 0n;
    for (const step of steps) {
      deltas.set(step.timestamp, (deltas.get(step.timestamp) ?? 0n) + step.amount - previous);
      previous = step.amount;
    }
  }
  const times = [...deltas.keys()].sort(byBigint);
  let total = 0n;
  let covered = 0n;
  for (let i = 0; i < times.length; i++) {
    total += deltas.get(times[i]!)!;
    const until = i + 1 < times.length ? times[i + 1]! : epochEnd;
    if (total > 0n) covered += until - times[i]!;
  }
  return covered;
}

/**
 * Effective stake × time per staker and per dataset, keyed by dataset id (ascending). A stake
 * below `minEffectiveStake` counts zero while it is below, so a dust stake can neither take a
 * dataset's share alone nor cover its time.
 */
export function measureStakeTime(
  stakes: Iterable<StakeHistory>,
  epochStart: bigint,
  epochEnd: bigint,
  minEffectiveStake: bigint,
): Map<bigint, DatasetStakeTime> {
  const byDataset = new Map<bigint, { staker: StakerStakeTime; steps: Segment[] }[]>();
  const seen = new Set<string>();
  for (const history of stakes) {
    const datasetId = checkId(history.datasetId, "Dataset id in stakes");
    const staker = checkAddress(history.staker, `Staker on dataset ${datasetId}`);
    const stakerKey = staker.toLowerCase();
    if (seen.has(`${datasetId}|${stakerKey}`)) {
      throw new RewardsInputError(`Staker ${staker} appears twice for dataset ${datasetId}.`);
    }
    seen.add(`${datasetId}|${stakerKey}`);
    const steps = stakeSteps(history, datasetId, epochStart, epochEnd);
    const effective = steps.map((s) => (s.amount >= minEffectiveStake ? s : { ...s, amount: 0n }));
    const entry = {
      staker: {
        staker,
        stakerKey,
        stakeTime: integrate(effective, epochEnd),
        stakeAtStart: steps[0]!.amount,
        stakeAtEnd: steps[steps.length - 1]!.amount,
      },
      steps: effective,
    };
    const list = byDataset.get(datasetId) ?? [];
    list.push(entry);
    byDataset.set(datasetId, list);
  }
  const result = new Map<bigint, DatasetStakeTime>();
  for (const datasetId of [...byDataset.keys()].sort(byBigint)) {
    const entries = byDataset.get(datasetId)!;
    entries.sort((a, b) => byString(a.staker.stakerKey, b.staker.stakerKey));
    result.set(datasetId, {
      datasetId,
      stakers: entries.map((e) => e.staker),
      stakeTime: entries.reduce((sum, e) => sum + e.staker.stakeTime, 0n),
      coveredSeconds: coveredSeconds(
        entries.map((e) => e.steps),
        epochEnd,
      ),
    });
  }
  return result;
}
