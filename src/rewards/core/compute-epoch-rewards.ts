import { getAddress } from "viem";
import { AccountLedger } from "./account-ledger";
import { type UsageAggregate, UsageAggregator } from "./aggregate-usage";
import { contributorPart, distributeContributorPart, entryUsageScore } from "./contributor-rewards";
import { type DatasetEntryIndex, prepareDatasetEntries } from "./dataset-entries";
import { EpochUsage } from "./epoch-usage";
import { RewardsInputError } from "./errors";
import { allocateBudgetToModels } from "./model-allocation";
import { scoreModels } from "./model-scores";
import { distributeOperatorShare } from "./operator-rewards";
import { resolveRewardParams } from "./params";
import { type PreparedModel, byString, prepareCommunities, prepareHistory, prepareRegistry } from "./prepare-inputs";
import { identityCap } from "./retention";
import { splitModelReward } from "./role-split";
import { measureStakeTime } from "./stake-time";
import { distributeStakerShares } from "./staker-rewards";
import type { CarryBreakdown, EntryStats, EpochRewardsInput, EpochRewardsResult, ModelStats } from "./types";

export type ComputeEpochRewardsParameters = EpochRewardsInput;
export type ComputeEpochRewardsReturnType = EpochRewardsResult;
export type ComputeEpochRewardsErrorType = RewardsInputError;

function checkClock(input: EpochRewardsInput): void {
  if (typeof input !== "object" || input === null)
    throw new RewardsInputError("Epoch rewards input must be an object.");
  const { epoch, epochStart, epochEnd, budget, protocolFeeBps } = input;
  if (typeof epoch !== "bigint" || epoch < 0n)
    throw new RewardsInputError(`Epoch ${String(epoch)} is not a non-negative bigint.`);
  if (typeof epochStart !== "bigint" || typeof epochEnd !== "bigint" || epochStart < 0n || epochEnd <= epochStart) {
    throw new RewardsInputError(
      `Epoch window [${String(epochStart)}, ${String(epochEnd)}) is not a non-empty range of bigint seconds.`,
    );
  }
  if (typeof budget !== "bigint" || budget < 0n || budget >= 2n ** 256n) {
    throw new RewardsInputError(`Budget ${String(budget)} is not a uint256 bigint.`);
  }
  if (!Number.isSafeInteger(protocolFeeBps) || protocolFeeBps < 0 || protocolFeeBps > 10_000) {
    throw new RewardsInputError(`Protocol fee share ${String(protocolFeeBps)} is not an integer in 0..10000 bps.`);
  }
}

function countUsage(
  input: EpochRewardsInput,
  registry: ReadonlyMap<bigint, PreparedModel>,
  entries: DatasetEntryIndex,
  dayLengthSeconds: number,
): UsageAggregate {
  if (input.receipts instanceof EpochUsage) return input.receipts.finishFor(input, dayLengthSeconds, entries);
  const { epoch, epochStart, epochEnd } = input;
  const aggregator = new UsageAggregator(registry, {
    epoch,
    epochStart,
    epochEnd,
    dayLengthSeconds: BigInt(dayLengthSeconds),
  });
  for (const receipt of input.receipts) aggregator.add(receipt);
  return aggregator.finish(entries);
}

/**
 * Turns one epoch of receipts, registry and community state and stakes into payouts. Pure and
 * deterministic: no clock, no randomness, no I/O, bigint only; any input order gives the same
 * result. See docs/rewards.md for the formula (v2).
 */
export function computeEpochRewards(input: ComputeEpochRewardsParameters): ComputeEpochRewardsReturnType {
  checkClock(input);
  const params = resolveRewardParams(input.params);
  const { epoch, epochStart, epochEnd, budget, protocolFeeBps } = input;
  const epochLength = epochEnd - epochStart;
  const registry = prepareRegistry(input.registry);
  const communities = prepareCommunities(input.communities);
  const history = prepareHistory(input.history, params.retentionMaxEpochs);
  const stakeTime = measureStakeTime(input.stakes, epochStart, epochEnd, params.minEffectiveStake);
  const usage = countUsage(input, registry, prepareDatasetEntries(input.datasetEntries), params.dayLengthSeconds);

  const models = scoreModels({ usage, registry, communities, history, protocolFeeBps, params });
  const totalScore = models.reduce((sum, m) => sum + m.memberScore + m.nonMemberScore, 0n);
  const { allocations, unshared } = allocateBudgetToModels(
    budget,
    models.map((m) => ({
      modelId: m.model.modelId,
      memberScore: m.memberScore,
      nonMemberScore: m.nonMemberScore,
      nonMemberCap: m.bound.cap,
    })),
  );

  const ledger = new AccountLedger();
  const pools = { builders: 0n, operators: 0n, stakers: 0n, contributors: 0n };
  const entryStats = new Map<string, EntryStats>();
  const modelStats: ModelStats[] = [];
  const stakerShares: { modelId: bigint; datasetIds: bigint[]; share: bigint }[] = [];
  models.forEach((m, i) => {
    const allocation = allocations[i]!;
    const reward = allocation.memberReward + allocation.nonMemberReward;
    const contributors = contributorPart(allocation, m.entryScores, params.contributorShareBps);
    const roles = splitModelReward(reward - contributors.total, params);
    pools.contributors += contributors.total;
    const entryPayouts = distributeContributorPart(contributors, m.entryScores);
    m.entryScores.entries.forEach((e, j) => {
      const amount = entryPayouts[j]!;
      const contributor = getAddress(e.entry.contributor);
      if (amount > 0n) {
        ledger.contributor(contributor, {
          modelId: m.model.modelId,
          datasetId: e.entry.datasetId,
          entryId: e.entry.entryId,
          amount,
          usageScore: entryUsageScore(e),
          users: e.users,
        });
      }
      const stats = entryStats.get(e.entry.key) ?? {
        datasetId: e.entry.datasetId,
        entryId: e.entry.entryId,
        contributor,
        modelIds: [],
        usageScore: 0n,
        amount: 0n,
      };
      stats.modelIds.push(m.model.modelId);
      stats.usageScore += entryUsageScore(e);
      stats.amount += amount;
      entryStats.set(e.entry.key, stats);
    });
    pools.builders += roles.builder;
    pools.operators += roles.operators;
    pools.stakers += roles.stakers;
    stakerShares.push({ modelId: m.model.modelId, datasetIds: m.model.datasetIds, share: roles.stakers });
    const operatorPayouts = distributeOperatorShare(roles.operators, m.deployments);
    if (reward > 0n) {
      ledger.builder(m.model.builder, {
        modelId: m.model.modelId,
        amount: roles.builder,
        memberScore: m.memberScore,
        nonMemberScore: m.nonMemberScore,
        calls: m.calls,
        distinctUsers: m.distinctUsers,
        returningUsers: m.returningUsers,
      });
      for (const d of m.deployments) {
        ledger.operator(d.operator, {
          modelId: m.model.modelId,
          deploymentId: d.deploymentId,
          amount: operatorPayouts.get(d.deploymentId)!,
          servedScore: d.servedScore,
          callsServed: d.calls,
          usersServed: d.users,
        });
      }
    }
    modelStats.push({
      modelId: m.model.modelId,
      builder: m.model.builder,
      communityId: m.model.communityId,
      admitted: m.model.admitted,
      communityRecognized: m.communityRecognized,
      pricePerCall: m.model.pricePerCall,
      datasetIds: m.model.datasetIds,
      deployments: m.model.deployments.size,
      calls: m.calls,
      distinctUsers: m.distinctUsers,
      returningUsers: m.returningUsers,
      memberUsers: m.memberUsers,
      nonMemberUsers: m.nonMemberUsers,
      nonMemberPayers: m.nonMemberPayers,
      selfUsers: m.selfUsers,
      selfCalls: m.selfCalls,
      memberScore: m.memberScore,
      nonMemberScore: m.nonMemberScore,
      nonMemberFees: m.nonMemberFees,
      nonMemberProtocolFees: m.bound.protocolFees,
      nonMemberRewardCap: m.bound.cap,
      nonMemberCapped: allocation.capped,
      reward,
      memberReward: allocation.memberReward,
      nonMemberReward: allocation.nonMemberReward,
      builderPayout: roles.builder,
      operatorPayout: roles.operators,
      stakerShare: roles.stakers,
      contributorPart: contributors.total,
      deploymentStats: m.deployments.map((d) => ({
        deploymentId: d.deploymentId,
        operator: d.operator,
        calls: d.calls,
        users: d.users,
        servedScore: d.servedScore,
        operatorPayout: operatorPayouts.get(d.deploymentId)!,
      })),
    });
  });

  const stakers = distributeStakerShares({ models: stakerShares, stakeTime, epochLength });
  for (const p of stakers.payouts) {
    ledger.staker(p.staker, {
      datasetId: p.datasetId,
      amount: p.amount,
      stakeTime: p.stakeTime,
      stakeAtStart: p.stakeAtStart,
      stakeAtEnd: p.stakeAtEnd,
    });
  }

  const paid = ledger.total();
  // Nothing to share with: no usage anyone is paid for, or only non-member usage held at its paid bound.
  const noEligibleUsage = totalScore === 0n ? unshared : 0n;
  const nonMemberFeeBound = totalScore === 0n ? 0n : unshared;
  const named =
    noEligibleUsage +
    nonMemberFeeBound +
    stakers.modelsWithoutDatasets +
    stakers.unstakedDatasets +
    stakers.uncoveredStakeTime;
  const rounding = budget - paid - named;
  if (rounding < 0n) throw new Error("reward invariant broken: payouts exceed the budget");
  const carry: CarryBreakdown = {
    noEligibleUsage,
    nonMemberFeeBound,
    modelsWithoutDatasets: stakers.modelsWithoutDatasets,
    unstakedDatasets: stakers.unstakedDatasets,
    uncoveredStakeTime: stakers.uncoveredStakeTime,
    rounding,
    total: budget - paid,
  };

  const identities = new Set<string>();
  let modelUsers = 0;
  for (const m of usage.models.values()) {
    modelUsers += m.users.size;
    for (const key of m.users.keys()) identities.add(key);
  }

  return {
    epoch,
    epochStart,
    epochEnd,
    budget,
    protocolFeeBps,
    params,
    identityCap: identityCap(epochLength, params),
    pools,
    accounts: ledger.sorted(),
    models: modelStats,
    datasets: stakers.datasets,
    entries: [...entryStats.values()].sort(
      (a, b) =>
        (a.datasetId < b.datasetId ? -1 : a.datasetId > b.datasetId ? 1 : 0) ||
        byString(a.entryId, b.entryId) ||
        byString(a.contributor.toLowerCase(), b.contributor.toLowerCase()),
    ),
    totals: {
      receipts: usage.receipts,
      eligibleReceipts: models.reduce((sum, m) => sum + m.eligibleCalls, 0),
      modelUsers,
      distinctUsers: identities.size,
      score: totalScore,
      paid,
    },
    carry,
    unallocated: budget - paid,
  };
}
