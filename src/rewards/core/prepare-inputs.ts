import { type Address, getAddress } from "viem";
import { isAddressShape } from "../../protocol/receipt-json";
import { RewardsInputError } from "./errors";
import { userIdentity } from "./identity";
import type { CommunityState, RegistryModel, RetentionRecord } from "./types";

export type PreparedDeployment = { deploymentId: bigint; operator: Address; operatorKey: string };

export type PreparedModel = {
  modelId: bigint;
  builder: Address;
  communityId: bigint;
  admitted: boolean;
  pricePerCall: bigint;
  /** Sorted, unique. */
  datasetIds: bigint[];
  /** Keyed by deployment id, inserted in ascending id order. */
  deployments: Map<bigint, PreparedDeployment>;
  /** Lower-case builder and operator addresses: their own usage of this model counts zero. */
  selfAddresses: Set<string>;
};

export function byBigint(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Lower-case form of an address, or a RewardsInputError naming what it was meant to be. */
export function lowerAddress(value: unknown, what: string): string {
  if (!isAddressShape(value)) {
    throw new RewardsInputError(`${what} ${String(value)} is not a 20-byte hex address.`);
  }
  return value.toLowerCase();
}

/** Checksummed form of an address, or a RewardsInputError naming what it was meant to be. */
export function checkAddress(value: unknown, what: string): Address {
  return getAddress(lowerAddress(value, what));
}

export function checkId(value: unknown, what: string): bigint {
  if (typeof value !== "bigint" || value <= 0n)
    throw new RewardsInputError(`${what} ${String(value)} is not a positive bigint id.`);
  return value;
}

export function prepareRegistry(models: Iterable<RegistryModel>): Map<bigint, PreparedModel> {
  const prepared: PreparedModel[] = [];
  const seenModels = new Set<bigint>();
  const deploymentOwner = new Map<bigint, bigint>();
  for (const model of models) {
    const modelId = checkId(model.modelId, "Model id");
    if (seenModels.has(modelId)) throw new RewardsInputError(`Model ${modelId} appears twice in the registry.`);
    seenModels.add(modelId);
    const builder = checkAddress(model.builder, `Builder of model ${modelId}`);
    const communityId = checkId(model.communityId, `Community id of model ${modelId}`);
    if (typeof model.admitted !== "boolean") {
      throw new RewardsInputError(`Admission of model ${modelId} is ${String(model.admitted)}, not a boolean.`);
    }
    if (typeof model.pricePerCall !== "bigint" || model.pricePerCall < 0n) {
      throw new RewardsInputError(
        `Price of model ${modelId} is ${String(model.pricePerCall)}, not a non-negative bigint.`,
      );
    }
    const datasetIds = [...new Set([...model.datasetIds].map((d) => checkId(d, `Dataset id of model ${modelId}`)))];
    datasetIds.sort(byBigint);
    const deployments = [...model.deployments].map((d) => {
      const deploymentId = checkId(d.deploymentId, `Deployment id of model ${modelId}`);
      const owner = deploymentOwner.get(deploymentId);
      if (owner !== undefined) {
        throw new RewardsInputError(
          `Deployment ${deploymentId} is listed under both model ${owner} and model ${modelId}.`,
        );
      }
      deploymentOwner.set(deploymentId, modelId);
      const operator = checkAddress(d.operator, `Operator of deployment ${deploymentId}`);
      return { deploymentId, operator, operatorKey: operator.toLowerCase() };
    });
    deployments.sort((a, b) => byBigint(a.deploymentId, b.deploymentId));
    const selfAddresses = new Set([builder.toLowerCase(), ...deployments.map((d) => d.operatorKey)]);
    prepared.push({
      modelId,
      builder,
      communityId,
      admitted: model.admitted,
      pricePerCall: model.pricePerCall,
      datasetIds,
      deployments: new Map(deployments.map((d) => [d.deploymentId, d])),
      selfAddresses,
    });
  }
  prepared.sort((a, b) => byBigint(a.modelId, b.modelId));
  return new Map(prepared.map((m) => [m.modelId, m]));
}

export type PreparedCommunity = { recognized: boolean; members: Set<string> };

/** Community id → recognition and lower-case member addresses. */
export function prepareCommunities(communities: ReadonlyMap<bigint, CommunityState>): Map<bigint, PreparedCommunity> {
  if (!(communities instanceof Map)) {
    throw new RewardsInputError("Communities must be a Map from community id to { recognized, members }.");
  }
  const prepared = new Map<bigint, PreparedCommunity>();
  for (const [communityId, community] of communities) {
    checkId(communityId, "Community id in communities");
    if (typeof community?.recognized !== "boolean") {
      throw new RewardsInputError(`Recognition of community ${communityId} is not a boolean.`);
    }
    const members = new Set<string>();
    for (const a of community.members) members.add(lowerAddress(a, `Member of community ${communityId}`));
    prepared.set(communityId, { recognized: community.recognized, members });
  }
  return prepared;
}

export function historyKey(modelId: bigint, identityKey: string): string {
  return `${modelId}|${identityKey}`;
}

/** (model, identity) → previous epochs active. Duplicates (e.g. one address as wallet and key owner) keep the max. */
export function prepareHistory(history: Iterable<RetentionRecord>, retentionMaxEpochs: number): Map<string, number> {
  const prepared = new Map<string, number>();
  for (const record of history) {
    const modelId = checkId(record.modelId, "Model id in history");
    if (!Number.isSafeInteger(record.epochsActive) || record.epochsActive < 0) {
      throw new RewardsInputError(`History epochsActive ${String(record.epochsActive)} is not a non-negative integer.`);
    }
    const key = historyKey(modelId, userIdentity(record.userId, record.userKind).key);
    const epochs = Math.min(record.epochsActive, retentionMaxEpochs);
    prepared.set(key, Math.max(prepared.get(key) ?? 0, epochs));
  }
  return prepared;
}
