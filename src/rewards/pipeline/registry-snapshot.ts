import type { Address } from "viem";
import type { RegistryModel } from "../core/types";
import type { ModelEvent } from "./chain-history";

export type SnapshotDeployment = { deploymentId: bigint; operator: Address; addedAt: bigint };

export type SnapshotModel = {
  modelId: bigint;
  builder: Address;
  communityId: bigint;
  admitted: boolean;
  pricePerCall: bigint;
  datasetIds: Set<bigint>;
  deployments: Map<bigint, SnapshotDeployment>;
};

export type RegistrySnapshot = {
  models: Map<bigint, SnapshotModel>;
  /** The calculator's view: every model with every deployment it ever had (removed ones too). */
  toRegistry(): RegistryModel[];
};

/**
 * The model registry as it stood just before `before` (unix seconds): builders after ownership
 * transfers, admission by a steward of the home community (ModelAdmitted / ModelAdmissionWithdrawn),
 * the price per call (ModelPriceSet; 0 until set), linked datasets after unlinks, and every
 * deployment added so far. Deployment status
 * is not applied on purpose: an operator is paid for calls it actually served even if it paused
 * or withdrew later in the epoch.
 */
export function registrySnapshot(events: readonly ModelEvent[], before: bigint): RegistrySnapshot {
  const models = new Map<bigint, SnapshotModel>();
  for (const e of events) {
    if (e.timestamp >= before) continue;
    if (e.kind === "registered") {
      models.set(e.modelId, {
        modelId: e.modelId,
        builder: e.builder,
        communityId: e.communityId,
        admitted: false,
        pricePerCall: 0n,
        datasetIds: new Set(),
        deployments: new Map(),
      });
      continue;
    }
    const model = models.get(e.modelId);
    if (!model) continue;
    if (e.kind === "transferred") model.builder = e.builder;
    else if (e.kind === "linked") model.datasetIds.add(e.datasetId);
    else if (e.kind === "unlinked") model.datasetIds.delete(e.datasetId);
    else if (e.kind === "admission") model.admitted = e.admitted;
    else if (e.kind === "price") model.pricePerCall = e.pricePerCall;
    else
      model.deployments.set(e.deploymentId, {
        deploymentId: e.deploymentId,
        operator: e.operator,
        addedAt: e.timestamp,
      });
  }
  return {
    models,
    toRegistry: () =>
      [...models.values()].map((m) => ({
        modelId: m.modelId,
        builder: m.builder,
        communityId: m.communityId,
        admitted: m.admitted,
        pricePerCall: m.pricePerCall,
        datasetIds: [...m.datasetIds],
        deployments: [...m.deployments.values()].map((d) => ({ deploymentId: d.deploymentId, operator: d.operator })),
      })),
  };
}
