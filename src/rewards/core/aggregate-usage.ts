import { type CreditedEntry, type DatasetEntryIndex, resolveCitations } from "./dataset-entries";
import { RewardsInputError } from "./errors";
import { SCORE_SCALE } from "./fixed-point";
import { type UserIdentity, userIdentity } from "./identity";
import type { PreparedModel } from "./prepare-inputs";
import type { RewardReceipt } from "./types";

/** One identity's activity on one model: all the calculator keeps of its receipts. */
export type UserUsage = {
  identity: UserIdentity;
  calls: number;
  /** Day index (from epochStart) → calls that day. */
  days: Map<number, number>;
  /** Deployment id → calls it served this user. */
  deployments: Map<bigint, number>;
  /** Lower-case payer → calls it paid for: the identity is clustered with the first payer in address order. */
  payers: Map<string, number>;
  /** Σ fee of the identity's calls on the model. */
  fees: bigint;
  /**
   * Credited entry key → Σ over the identity's calls of the share of the call that cited it
   * (SCORE_SCALE per call, split equally among the call's counted citations).
   */
  citations: Map<string, { entry: CreditedEntry; units: bigint }>;
};

export type ModelUsage = { calls: number; users: Map<string, UserUsage> };

export type UsageAggregate = { receipts: number; models: Map<bigint, ModelUsage> };

export type AggregateUsageParameters = {
  receipts: Iterable<RewardReceipt>;
  registry: ReadonlyMap<bigint, PreparedModel>;
  entries: DatasetEntryIndex;
  epoch: bigint;
  epochStart: bigint;
  epochEnd: bigint;
  dayLengthSeconds: bigint;
};

// A cheap shape check: checksumming every payer would hash each of millions of receipts.
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/**
 * Streams receipts once and keeps only counts per (model, user, day), (model, user,
 * deployment) and (model, user, payer), so memory grows with distinct users, not with calls.
 */
export function aggregateUsage(parameters: AggregateUsageParameters): UsageAggregate {
  const { registry, entries, epoch, epochStart, epochEnd, dayLengthSeconds } = parameters;
  const models = new Map<bigint, ModelUsage>();
  // A million receipts name a few hundred thousand users and a few payers: each distinct user id
  // and payer is checked and normalized once, then found by its string.
  const identities = new Map<string, UserIdentity>();
  const payers = new Map<string, string>();
  let receipts = 0;
  for (const receipt of parameters.receipts) {
    receipts++;
    const where = () => `Receipt ${String(receipt.requestId)}`;
    if (receipt.epoch !== epoch)
      throw new RewardsInputError(`${where()} belongs to epoch ${String(receipt.epoch)}, not ${epoch}.`);
    if (typeof receipt.timestamp !== "bigint" || receipt.timestamp < epochStart || receipt.timestamp >= epochEnd) {
      throw new RewardsInputError(
        `${where()} has timestamp ${String(receipt.timestamp)} outside [${epochStart}, ${epochEnd}).`,
      );
    }
    const model = registry.get(receipt.modelId);
    if (!model)
      throw new RewardsInputError(`${where()} names model ${String(receipt.modelId)}, which the registry lacks.`);
    if (!model.deployments.has(receipt.deploymentId)) {
      throw new RewardsInputError(
        `${where()} names deployment ${String(receipt.deploymentId)}, which model ${model.modelId} does not list.`,
      );
    }
    if (typeof receipt.fee !== "bigint" || receipt.fee < 0n) {
      throw new RewardsInputError(`${where()} has fee ${String(receipt.fee)}, not a non-negative bigint.`);
    }
    let payer = payers.get(receipt.payer);
    if (payer === undefined) {
      if (typeof receipt.payer !== "string" || !ADDRESS.test(receipt.payer)) {
        throw new RewardsInputError(`${where()} has payer ${String(receipt.payer)}, not a 20-byte hex address.`);
      }
      payer = receipt.payer.toLowerCase();
      payers.set(receipt.payer, payer);
    }
    const userKey = `${receipt.userKind}:${receipt.userId}`;
    let identity = identities.get(userKey);
    if (identity === undefined) {
      identity = userIdentity(receipt.userId, receipt.userKind);
      identities.set(userKey, identity);
    }
    const day = Number((receipt.timestamp - epochStart) / dayLengthSeconds);

    let modelUsage = models.get(model.modelId);
    if (!modelUsage) {
      modelUsage = { calls: 0, users: new Map() };
      models.set(model.modelId, modelUsage);
    }
    let user = modelUsage.users.get(identity.key);
    if (!user) {
      user = {
        identity,
        calls: 0,
        days: new Map(),
        deployments: new Map(),
        payers: new Map(),
        fees: 0n,
        citations: new Map(),
      };
      modelUsage.users.set(identity.key, user);
    }
    modelUsage.calls++;
    user.calls++;
    user.days.set(day, (user.days.get(day) ?? 0) + 1);
    user.deployments.set(receipt.deploymentId, (user.deployments.get(receipt.deploymentId) ?? 0) + 1);
    user.payers.set(payer, (user.payers.get(payer) ?? 0) + 1);
    user.fees += receipt.fee;
    const { valid, credited } = resolveCitations(entries, model, receipt.attribution);
    for (const entry of credited) {
      const cited = user.citations.get(entry.key) ?? { entry, units: 0n };
      // Citing more entries splits the call, never multiplies it.
      cited.units += SCORE_SCALE / BigInt(valid);
      user.citations.set(entry.key, cited);
    }
  }
  return { receipts, models };
}
