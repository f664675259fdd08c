import { proRata } from "./budget-split";
import type { ModelScore } from "./model-scores";
import { byBigint } from "./prepare-inputs";
import type { DatasetStakeTime, StakerStakeTime } from "./stake-time";
import type { DatasetStats } from "./types";

export type StakerPayout = StakerStakeTime & { datasetId: bigint; amount: bigint };

export type StakerPoolDistribution = {
  payouts: StakerPayout[];
  datasets: DatasetStats[];
  /** modelId → staker-pool amount its usage assigned to its datasets. */
  modelShares: Map<bigint, bigint>;
  modelsWithoutDatasets: bigint;
  unstakedDatasets: bigint;
  uncoveredStakeTime: bigint;
};

export type DistributeStakerPoolParameters = {
  pool: bigint;
  models: readonly ModelScore[];
  totalScore: bigint;
  stakeTime: ReadonlyMap<bigint, DatasetStakeTime>;
  epochLength: bigint;
};

/**
 * Each dataset earns Σ over models linking it of U_m / (datasets the model links), out of ΣU, so
 * stakers are paid only for usage of models built on their dataset. Within a dataset the share is
 * scaled by the fraction of the epoch some stake covered it, then split ∝ stake × seconds.
 */
export function distributeStakerPool(parameters: DistributeStakerPoolParameters): StakerPoolDistribution {
  const { pool, models, totalScore, stakeTime, epochLength } = parameters;
  const usageWeight = new Map<bigint, bigint>();
  const linkedModels = new Map<bigint, bigint[]>();
  const modelShares = new Map<bigint, bigint>();
  let unlinkedScore = 0n;
  for (const m of models) {
    const n = BigInt(m.model.datasetIds.length);
    if (n === 0n) {
      unlinkedScore += m.score;
      modelShares.set(m.model.modelId, 0n);
      continue;
    }
    modelShares.set(m.model.modelId, proRata(pool, m.score, totalScore));
    for (const datasetId of m.model.datasetIds) {
      usageWeight.set(datasetId, (usageWeight.get(datasetId) ?? 0n) + m.score / n);
      linkedModels.set(datasetId, [...(linkedModels.get(datasetId) ?? []), m.model.modelId]);
    }
  }

  const datasetIds = [...new Set([...usageWeight.keys(), ...stakeTime.keys()])].sort(byBigint);
  const payouts: StakerPayout[] = [];
  const datasets: DatasetStats[] = [];
  let unstakedDatasets = 0n;
  let uncoveredStakeTime = 0n;
  for (const datasetId of datasetIds) {
    const weight = usageWeight.get(datasetId) ?? 0n;
    const share = proRata(pool, weight, totalScore);
    const stake = stakeTime.get(datasetId);
    const totalStakeTime = stake?.stakeTime ?? 0n;
    const covered = totalStakeTime > 0n ? stake!.coveredSeconds : 0n;
    // Scaling by coverage is what makes a last-minute stake on an unstaked dataset worth ~nothing.
    const paid = totalStakeTime > 0n ? proRata(share, covered, epochLength) : 0n;
    if (totalStakeTime === 0n) unstakedDatasets += share;
    else uncoveredStakeTime += share - paid;
    if (share > 0n && stake) {
      // Stakers whose stake was zero all epoch accrued nothing: no payout row for them.
      for (const s of stake.stakers.filter((x) => x.stakeTime > 0n)) {
        payouts.push({ ...s, datasetId, amount: proRata(paid, s.stakeTime, totalStakeTime) });
      }
    }
    datasets.push({
      datasetId,
      linkedModels: linkedModels.get(datasetId) ?? [],
      usageWeight: weight,
      share,
      paidToStakers: paid,
      unpaid: share - paid,
      stakeTime: totalStakeTime,
      coveredSeconds: covered,
      stakers: stake?.stakers.length ?? 0,
    });
  }
  return {
    payouts,
    datasets,
    modelShares,
    modelsWithoutDatasets: proRata(pool, unlinkedScore, totalScore),
    unstakedDatasets,
    uncoveredStakeTime,
  };
}
