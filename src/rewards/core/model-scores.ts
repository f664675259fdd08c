import type { ModelUsage, UsageAggregate } from "./aggregate-usage";
import { classifyIdentity, identityWeightBps } from "./identity";
import type { RewardParams } from "./params";
import { type PreparedDeployment, type PreparedModel, byBigint, byString, historyKey } from "./prepare-inputs";
import { isReturningUser } from "./retention";
import { userScore } from "./user-score";

export type DeploymentScore = PreparedDeployment & {
  calls: number;
  users: number;
  /** Σ over users of floor(user score × calls this deployment served them / user's calls). */
  servedScore: bigint;
};

export type ModelScore = {
  model: PreparedModel;
  calls: number;
  eligibleCalls: number;
  distinctUsers: number;
  returningUsers: number;
  memberUsers: number;
  nonMemberUsers: number;
  selfUsers: number;
  selfCalls: number;
  /** U_m. Depends only on who used the model and how, never on how many deployments it has. */
  score: bigint;
  /** Deployments that served at least one call, ascending id. */
  deployments: DeploymentScore[];
};

export type ScoreModelsParameters = {
  usage: UsageAggregate;
  registry: ReadonlyMap<bigint, PreparedModel>;
  members: ReadonlyMap<bigint, ReadonlySet<string>>;
  history: ReadonlyMap<string, number>;
  params: RewardParams;
};

/** Scores every model with receipts, ascending model id. */
export function scoreModels(parameters: ScoreModelsParameters): ModelScore[] {
  const { usage, registry, members, history, params } = parameters;
  const modelIds = [...usage.models.keys()].sort(byBigint);
  return modelIds.map((modelId) =>
    scoreModel(registry.get(modelId)!, usage.models.get(modelId)!, members, history, params),
  );
}

function scoreModel(
  model: PreparedModel,
  usage: ModelUsage,
  members: ReadonlyMap<bigint, ReadonlySet<string>>,
  history: ReadonlyMap<string, number>,
  params: RewardParams,
): ModelScore {
  const result: ModelScore = {
    model,
    calls: usage.calls,
    eligibleCalls: 0,
    distinctUsers: usage.users.size,
    returningUsers: 0,
    memberUsers: 0,
    nonMemberUsers: 0,
    selfUsers: 0,
    selfCalls: 0,
    score: 0n,
    deployments: [],
  };
  const served = new Map<bigint, { calls: number; users: number; servedScore: bigint }>();
  const communityMembers = members.get(model.communityId);
  // Integer sums are order-independent, but sorting keeps any future non-associative step safe.
  const userKeys = [...usage.users.keys()].sort(byString);
  for (const key of userKeys) {
    const user = usage.users.get(key)!;
    const previousEpochs = history.get(historyKey(model.modelId, key)) ?? 0;
    if (isReturningUser(user.days.size, previousEpochs)) result.returningUsers++;
    const identityClass = classifyIdentity(user.identity, model.selfAddresses, communityMembers);
    if (identityClass === "self") {
      result.selfUsers++;
      result.selfCalls += user.calls;
    } else {
      result.eligibleCalls += user.calls;
      if (identityClass === "member") result.memberUsers++;
      else result.nonMemberUsers++;
    }
    const weight = identityWeightBps(identityClass, params.nonMemberWeightBps);
    const { score } = userScore(user.days.values(), previousEpochs, weight, params);
    result.score += score;
    for (const [deploymentId, calls] of user.deployments) {
      const entry = served.get(deploymentId) ?? { calls: 0, users: 0, servedScore: 0n };
      entry.calls += calls;
      entry.users++;
      entry.servedScore += (score * BigInt(calls)) / BigInt(user.calls);
      served.set(deploymentId, entry);
    }
  }
  result.deployments = [...served.keys()]
    .sort(byBigint)
    .map((deploymentId) => ({ ...model.deployments.get(deploymentId)!, ...served.get(deploymentId)! }));
  return result;
}
