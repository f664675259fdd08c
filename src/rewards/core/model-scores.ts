import type { UserUsage, UsageAggregate } from "./aggregate-usage";
import { type ModelEntryScores, type UserWeight, emptyEntryScores, scoreModelEntries } from "./contributor-rewards";
import { BPS } from "./fixed-point";
import { type IdentityClass, classifyIdentity } from "./identity";
import { type IdentityUse, allocateIdentityBudgets, useKey } from "./identity-budget";
import { nonMemberScore } from "./non-member-clusters";
import { type PaidBound, paidBound } from "./paid-bound";
import type { RewardParams } from "./params";
import {
  type PreparedCommunity,
  type PreparedDeployment,
  type PreparedModel,
  byBigint,
  byString,
  historyKey,
} from "./prepare-inputs";
import { isReturningUser, retentionPoints } from "./retention";

export type DeploymentScore = PreparedDeployment & {
  calls: number;
  users: number;
  /** Σ over users of floor(user weight × calls this deployment served them / user's calls). */
  servedScore: bigint;
};

export type ModelScore = {
  model: PreparedModel;
  communityRecognized: boolean;
  calls: number;
  eligibleCalls: number;
  distinctUsers: number;
  returningUsers: number;
  memberUsers: number;
  nonMemberUsers: number;
  nonMemberPayers: number;
  selfUsers: number;
  selfCalls: number;
  /** M_m. Depends only on who used the model and how, never on how many deployments it has. */
  memberScore: bigint;
  /** N_m, clustered and weighted; 0 for a free model. */
  nonMemberScore: bigint;
  nonMemberFees: bigint;
  bound: PaidBound;
  /** Deployments that served at least one call, ascending id. */
  deployments: DeploymentScore[];
  /** The credited entries the model's answers cited, scored by the usage that cited them. */
  entryScores: ModelEntryScores;
};

export type ScoreModelsParameters = {
  usage: UsageAggregate;
  registry: ReadonlyMap<bigint, PreparedModel>;
  communities: ReadonlyMap<bigint, PreparedCommunity>;
  history: ReadonlyMap<string, number>;
  protocolFeeBps: number;
  params: RewardParams;
};

type ClassifiedUser = { key: string; usage: UserUsage; identityClass: IdentityClass; previousEpochs: number };

/** The payer an identity's calls on a model are clustered under: the lowest address that paid for it. */
function clusterPayer(usage: UserUsage): string {
  return [...usage.payers.keys()].sort(byString)[0]!;
}

/** Scores every model with receipts, ascending model id. */
export function scoreModels(parameters: ScoreModelsParameters): ModelScore[] {
  const { usage, registry, communities, history, protocolFeeBps, params } = parameters;
  const modelIds = [...usage.models.keys()].sort(byBigint);

  // 1. Classify every (model, identity) and give it retention points on that model.
  const classified = new Map<bigint, ClassifiedUser[]>();
  const uses: IdentityUse[] = [];
  for (const modelId of modelIds) {
    const model = registry.get(modelId)!;
    const community = communities.get(model.communityId);
    const countedMembers = model.admitted && community?.recognized ? community.members : null;
    const users = usage.models.get(modelId)!.users;
    const list: ClassifiedUser[] = [];
    for (const key of [...users.keys()].sort(byString)) {
      const user = users.get(key)!;
      const identityClass = classifyIdentity({
        identity: user.identity,
        payers: user.payers.keys(),
        selfAddresses: model.selfAddresses,
        countedMembers,
      });
      const previousEpochs = history.get(historyKey(modelId, key)) ?? 0;
      list.push({ key, usage: user, identityClass, previousEpochs });
      // Self-usage takes no part in any budget: it is not usage anyone is paid for.
      if (identityClass !== "self") {
        uses.push({
          modelId,
          identityKey: key,
          days: user.days.keys(),
          previousEpochs,
          points: retentionPoints(user.days.size, previousEpochs, params),
        });
      }
    }
    classified.set(modelId, list);
  }

  // 2. One budget per identity across all models.
  const allocations = allocateIdentityBudgets(uses, params);

  // 3. Per model: members add up, non-members are clustered; deployments get what they served.
  return modelIds.map((modelId) => {
    const model = registry.get(modelId)!;
    const free = model.pricePerCall === 0n;
    const result: ModelScore = {
      model,
      communityRecognized: communities.get(model.communityId)?.recognized ?? false,
      calls: usage.models.get(modelId)!.calls,
      eligibleCalls: 0,
      distinctUsers: 0,
      returningUsers: 0,
      memberUsers: 0,
      nonMemberUsers: 0,
      nonMemberPayers: 0,
      selfUsers: 0,
      selfCalls: 0,
      memberScore: 0n,
      nonMemberScore: 0n,
      nonMemberFees: 0n,
      bound: { protocolFees: 0n, cap: 0n },
      deployments: [],
      entryScores: emptyEntryScores,
    };
    const nonMembers: { payer: string; allocation: bigint }[] = [];
    const weights: UserWeight[] = [];
    for (const user of classified.get(modelId)!) {
      result.distinctUsers++;
      if (isReturningUser(user.usage.days.size, user.previousEpochs)) result.returningUsers++;
      if (user.identityClass === "self") {
        result.selfUsers++;
        result.selfCalls += user.usage.calls;
        weights.push({ usage: user.usage, weight: 0n, member: false });
        continue;
      }
      result.eligibleCalls += user.usage.calls;
      const allocation = allocations.get(useKey(modelId, user.key))!;
      if (user.identityClass === "member") {
        result.memberUsers++;
        result.memberScore += allocation;
        weights.push({ usage: user.usage, weight: allocation, member: true });
      } else {
        result.nonMemberUsers++;
        result.nonMemberFees += user.usage.fees;
        // A free model's non-member usage paid nothing, so it earns nothing.
        const weight = free ? 0n : (allocation * BigInt(params.nonMemberWeightBps)) / BPS;
        if (!free) nonMembers.push({ payer: clusterPayer(user.usage), allocation });
        weights.push({ usage: user.usage, weight, member: false });
      }
    }
    result.nonMemberPayers = new Set(nonMembers.map((n) => n.payer)).size;
    result.nonMemberScore = nonMemberScore(nonMembers, params.nonMemberWeightBps);
    result.bound = paidBound(result.nonMemberFees, protocolFeeBps, params.paidRewardCapBps);

    const served = new Map<bigint, { calls: number; users: number; servedScore: bigint }>();
    for (const { usage: user, weight } of weights) {
      for (const [deploymentId, calls] of user.deployments) {
        const entry = served.get(deploymentId) ?? { calls: 0, users: 0, servedScore: 0n };
        entry.calls += calls;
        entry.users++;
        entry.servedScore += (weight * BigInt(calls)) / BigInt(user.calls);
        served.set(deploymentId, entry);
      }
    }
    result.deployments = [...served.keys()]
      .sort(byBigint)
      .map((deploymentId) => ({ ...model.deployments.get(deploymentId)!, ...served.get(deploymentId)! }));
    result.entryScores = scoreModelEntries(weights, model.selfAddresses);
    return result;
  });
}
