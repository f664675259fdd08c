import { AccountLedger } from "./account-ledger";
import { aggregateUsage } from "./aggregate-usage";
import { splitBudget } from "./budget-split";
import { distributeBuilderPool } from "./builder-rewards";
import { RewardsInputError } from "./errors";
import { scoreModels } from "./model-scores";
import { distributeOperatorPool } from "./operator-rewards";
import { resolveRewardParams } from "./params";
import { prepareHistory, prepareMembers, prepareRegistry } from "./prepare-inputs";
import { distributeStakerPool } from "./staker-rewards";
import { measureStakeTime } from "./stake-time";
import type { DustBreakdown, EpochRewardsInput, EpochRewardsResult, ModelStats } from "./types";

export type ComputeEpochRewardsParameters = EpochRewardsInput;
export type ComputeEpochRewardsReturnType = EpochRewardsResult;
export type ComputeEpochRewardsErrorType = RewardsInputError;

function checkClock(input: EpochRewardsInput): void {
  if (typeof input !== "object" || input === null)
    throw new RewardsInputError("Epoch rewards input must be an object.");
  const { epoch, epochStart, epochEnd, budget } = input;
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
}

/**
 * Turns one epoch of receipts, registry state and stakes into payouts. Pure and deterministic:
 * no clock, no randomness, no I/O, bigint only; any input order gives the same result. See
 * docs/rewards.md for the formula.
 */
export function computeEpochRewards(input: ComputeEpochRewardsParameters): ComputeEpochRewardsReturnType {
  checkClock(input);
  const params = resolveRewardParams(input.params);
  const { epoch, epochStart, epochEnd, budget } = input;
  const registry = prepareRegistry(input.registry);
  const members = prepareMembers(input.members);
  const history = prepareHistory(input.history, params.retentionMaxEpochs);
  const stakeTime = measureStakeTime(input.stakes, epochStart, epochEnd);
  const usage = aggregateUsage({
    receipts: input.receipts,
    registry,
    epoch,
    epochStart,
    epochEnd,
    dayLengthSeconds: BigInt(params.dayLengthSeconds),
  });

  const models = scoreModels({ usage, registry, members, history, params });
  const totalScore = models.reduce((sum, m) => sum + m.score, 0n);
  // No eligible usage means nobody earned anything: keep the whole budget for a later epoch.
  const eligible = totalScore > 0n;
  const pools = eligible ? splitBudget(budget, params) : { builders: 0n, operators: 0n, stakers: 0n };

  const builderPayouts = distributeBuilderPool(pools.builders, models, totalScore);
  const operators = distributeOperatorPool(pools.operators, models, totalScore);
  const stakers = distributeStakerPool({
    pool: pools.stakers,
    models,
    totalScore,
    stakeTime,
    epochLength: epochEnd - epochStart,
  });

  const ledger = new AccountLedger();
  const operatorPayout = new Map(operators.payouts.map((p) => [p.deploymentId, p.amount]));
  if (eligible) {
    for (const m of models) {
      ledger.builder(m.model.builder, {
        modelId: m.model.modelId,
        amount: builderPayouts.get(m.model.modelId)!,
        score: m.score,
        calls: m.calls,
        distinctUsers: m.distinctUsers,
        returningUsers: m.returningUsers,
      });
    }
    for (const m of models) {
      for (const d of m.deployments) {
        ledger.operator(d.operator, {
          modelId: m.model.modelId,
          deploymentId: d.deploymentId,
          amount: operatorPayout.get(d.deploymentId)!,
          servedScore: d.servedScore,
          callsServed: d.calls,
          usersServed: d.users,
        });
      }
    }
    for (const p of stakers.payouts) {
      ledger.staker(p.staker, {
        datasetId: p.datasetId,
        amount: p.amount,
        stakeTime: p.stakeTime,
        stakeAtStart: p.stakeAtStart,
        stakeAtEnd: p.stakeAtEnd,
      });
    }
  }

  const named = stakers.modelsWithoutDatasets + stakers.unstakedDatasets + stakers.uncoveredStakeTime;
  const earned = ledger.total();
  const rounding = eligible ? budget - earned - named : 0n;
  if (rounding < 0n) throw new Error("reward invariant broken: payouts exceed the budget");
  const dust: DustBreakdown = {
    rounding,
    modelsWithoutDatasets: stakers.modelsWithoutDatasets,
    unstakedDatasets: stakers.unstakedDatasets,
    uncoveredStakeTime: stakers.uncoveredStakeTime,
    total: named + rounding,
  };
  for (const reason of ["modelsWithoutDatasets", "unstakedDatasets", "uncoveredStakeTime", "rounding"] as const) {
    ledger.dust(params.dustRecipient, { reason, amount: dust[reason] });
  }
  const paid = ledger.total();

  const modelStats: ModelStats[] = models.map((m) => ({
    modelId: m.model.modelId,
    builder: m.model.builder,
    communityId: m.model.communityId,
    datasetIds: m.model.datasetIds,
    deployments: m.model.deployments.size,
    calls: m.calls,
    distinctUsers: m.distinctUsers,
    returningUsers: m.returningUsers,
    memberUsers: m.memberUsers,
    nonMemberUsers: m.nonMemberUsers,
    selfUsers: m.selfUsers,
    selfCalls: m.selfCalls,
    score: m.score,
    builderPayout: builderPayouts.get(m.model.modelId)!,
    operatorPayout: operators.modelShares.get(m.model.modelId)!,
    stakerShare: stakers.modelShares.get(m.model.modelId)!,
    deploymentStats: m.deployments.map((d) => ({
      deploymentId: d.deploymentId,
      operator: d.operator,
      calls: d.calls,
      users: d.users,
      servedScore: d.servedScore,
      operatorPayout: operatorPayout.get(d.deploymentId)!,
    })),
  }));

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
    params,
    pools,
    accounts: ledger.sorted(),
    models: modelStats,
    datasets: stakers.datasets,
    totals: {
      receipts: usage.receipts,
      eligibleReceipts: models.reduce((sum, m) => sum + m.eligibleCalls, 0),
      modelUsers,
      distinctUsers: identities.size,
      score: totalScore,
      paid,
    },
    dust,
    unallocated: budget - paid,
  };
}
