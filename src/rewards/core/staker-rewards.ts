import { proRata } from "./fixed-point";
import { byBigint } from "./prepare-inputs";
import type { DatasetStakeTime, StakerStakeTime } from "./stake-time";
import type { DatasetStats } from "./types";

export type StakerPayout = StakerStakeTime & { datasetId: bigint; amount: bigint };

/** A model's staker share and the datasets it links. */
export type ModelStakerShare = { modelId: bigint; datasetIds: readonly bigint[]; share: bigint };

export type StakerDistribution = {
  payouts: StakerPayout[];
  datasets: DatasetStats[];
  /** Carried: staker shares of models that link no dataset. */
  modelsWithoutDatasets: bigint;
  /** Carried: shares of datasets with no effective stake all epoch. */
  unstakedDatasets: bigint;
  /** Carried: the part of staked datasets' shares for the time no effective stake covered. */
  uncoveredStakeTime: bigint;
};

export type DistributeStakerSharesParameters = {
  models: readonly ModelStakerShare[];
  stakeTime: ReadonlyMap<bigint, DatasetStakeTime>;
  epochLength: bigint;
};

/**
 * Each model's staker share is divided equally among the datasets it links (so linking more
 * datasets multiplies nothing). Within a dataset the share is scaled by the fraction of the epoch
 * effective stake covered it, then split ∝ effective stake × seconds. Nothing unearned is paid to
 * anyone: it is reported so the caller carries it forward.
 */
export function distributeStakerShares(parameters: DistributeStakerSharesParameters): StakerDistribution {
  const { models, stakeTime, epochLength } = parameters;
  const shares = new Map<bigint, bigint>();
  const linkedModels = new Map<bigint, bigint[]>();
  let modelsWithoutDatasets = 0n;
  for (const m of models) {
    const n = BigInt(m.datasetIds.length);
    if (n === 0n) {
      modelsWithoutDatasets += m.share;
      continue;
    }
    for (const datasetId of m.datasetIds) {
      shares.set(datasetId, (shares.get(datasetId) ?? 0n) + m.share / n);
      linkedModels.set(datasetId, [...(linkedModels.get(datasetId) ?? []), m.modelId]);
    }
  }

  const datasetIds = [...new Set([...shares.keys(), ...stakeTime.keys()])].sort(byBigint);
  const payouts: StakerPayout[] = [];
  const datasets: DatasetStats[] = [];
  let unstakedDatasets = 0n;
  let uncoveredStakeTime = 0n;
  for (const datasetId of datasetIds) {
    const share = shares.get(datasetId) ?? 0n;
    const stake = stakeTime.get(datasetId);
    const totalStakeTime = stake?.stakeTime ?? 0n;
    const covered = totalStakeTime > 0n ? stake!.coveredSeconds : 0n;
    // Scaling by coverage is what makes a last-minute stake on an unstaked dataset worth ~nothing.
    const paid = proRata(share, covered, epochLength);
    if (totalStakeTime === 0n) unstakedDatasets += share;
    else uncoveredStakeTime += share - paid;
    if (share > 0n && stake) {
      // Stakers with no effective stake all epoch accrued nothing: no payout row for them.
      for (const s of stake.stakers.filter((x) => x.stakeTime > 0n)) {
        payouts.push({ ...s, datasetId, amount: proRata(paid, s.stakeTime, totalStakeTime) });
      }
    }
    datasets.push({
      datasetId,
      linkedModels: linkedModels.get(datasetId) ?? [],
      share,
      paidToStakers: paid,
      unpaid: share - paid,
      stakeTime: totalStakeTime,
      coveredSeconds: covered,
      stakers: stake?.stakers.length ?? 0,
    });
  }
  return { payouts, datasets, modelsWithoutDatasets, unstakedDatasets, uncoveredStakeTime };
}
