import type { Hex } from "viem";
import type { AttributedEntry } from "../../protocol/attribution";
import type { UserKind } from "../../protocol/receipt";
import { type CreditedEntry, type DatasetEntryIndex, resolveCitations } from "./dataset-entries";
import { RewardsInputError } from "./errors";
import { SCORE_SCALE } from "./fixed-point";
import { type UserIdentity, userIdentity } from "./identity";
import { isAddressShape } from "../../protocol/receipt-json";
import type { PreparedModel } from "./prepare-inputs";
import type { RewardReceipt } from "./types";

/** One identity's activity on one model: all the calculator keeps of its receipts. */
export type UserUsage = {
  identity: UserIdentity;
  /** The user id and kind of the identity's first receipt on the model (retention files name pairs by it). */
  userId: Hex;
  userKind: UserKind;
  calls: number;
  /** Day indexes (from epochStart) the identity called the model on. */
  days: ReadonlySet<number>;
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

/**
 * A UserUsage while receipts are still counted, laid out for the per-receipt path: its days as bits
 * of one number and its first deployment and payer inline (most identities use one of each), so a
 * receipt touches this one object instead of three maps. `finish` turns it into a UserUsage.
 */
type Tally = {
  identity: UserIdentity;
  userId: Hex;
  userKind: UserKind;
  calls: number;
  dayBits: number;
  /** Days beyond the bits (day index ≥ DAY_BITS); null until one is seen. */
  moreDays: Set<number> | null;
  deployment: bigint;
  deploymentCalls: number;
  moreDeployments: Map<bigint, number> | null;
  payer: string;
  payerCalls: number;
  morePayers: Map<string, number> | null;
  /** The first call's fee and how many calls paid exactly it (a model's calls mostly pay its price). */
  fee: bigint;
  feeCalls: number;
  /** Σ fee of the calls that paid another amount. */
  otherFees: bigint;
  citations: Map<string, { entry: CreditedEntry; units: bigint }>;
};

/**
 * Everything counted of one identity: the tallies of the models it called, found through the
 * identity (a few models each) instead of through each model's map of every user.
 */
type IdentityTallies = { identity: UserIdentity; tallies: Map<PreparedModel, Tally> };

/** Day indexes kept as bits of a tally's `dayBits` (a 7-day epoch needs 7). */
const DAY_BITS = 30;

function toUserUsage(t: Tally): UserUsage {
  const days = new Set<number>();
  for (let d = 0; d < DAY_BITS; d++) if ((t.dayBits & (1 << d)) !== 0) days.add(d);
  for (const d of t.moreDays ?? []) days.add(d);
  const deployments = new Map([[t.deployment, t.deploymentCalls]]);
  for (const [id, calls] of t.moreDeployments ?? []) deployments.set(id, calls);
  const payers = new Map([[t.payer, t.payerCalls]]);
  for (const [payer, calls] of t.morePayers ?? []) payers.set(payer, calls);
  return {
    identity: t.identity,
    userId: t.userId,
    userKind: t.userKind,
    calls: t.calls,
    days,
    deployments,
    payers,
    fees: t.fee * BigInt(t.feeCalls) + t.otherFees,
    citations: t.citations,
  };
}

/** The epoch a UsageAggregator counts receipts of. */
export type UsageWindow = { epoch: bigint; epochStart: bigint; epochEnd: bigint; dayLengthSeconds: bigint };

function receiptLabel(receipt: RewardReceipt): string {
  return `Receipt ${String(receipt.requestId)}`;
}

/**
 * Counts receipts one at a time and keeps only counts per (model, user, day), (model, user,
 * deployment) and (model, user, payer), so memory grows with distinct users, not with calls.
 * Citations wait as lists until `finish` is given the dataset entries they resolve against: a
 * pipeline learns which dataset versions to read only from the receipts themselves, and feeding the
 * aggregator while batches still arrive overlaps this work with theirs. Sums commute, so the result
 * does not depend on the order receipts are added in.
 */
export class UsageAggregator {
  private readonly models = new Map<PreparedModel, { calls: number; users: Map<string, Tally> }>();
  // A million receipts name a few hundred thousand users and a few payers: each distinct user id
  // and payer is checked and normalized once, then found by its string (one map per user kind).
  private readonly identities = new Map<number, Map<string, IdentityTallies>>();
  /** Identity key → its tallies: user ids of different kinds can name one identity. */
  private readonly byKey = new Map<string, IdentityTallies>();
  private readonly payers = new Map<string, string>();
  private readonly pending: { user: Tally; model: PreparedModel; attribution: readonly AttributedEntry[] }[] = [];
  private count = 0;
  private finished = false;
  // Day index by plain number arithmetic where the window allows it (exact below 2^53); bigint otherwise.
  private readonly numericDays: boolean;
  private readonly startSeconds: number;
  private readonly dayLength: number;

  constructor(
    private readonly registry: ReadonlyMap<bigint, PreparedModel>,
    readonly window: UsageWindow,
  ) {
    this.numericDays =
      window.epochEnd <= BigInt(Number.MAX_SAFE_INTEGER) && window.dayLengthSeconds <= BigInt(Number.MAX_SAFE_INTEGER);
    this.startSeconds = Number(window.epochStart);
    this.dayLength = Number(window.dayLengthSeconds);
  }

  /** Receipts counted so far. */
  get receipts(): number {
    return this.count;
  }

  /** Counts one receipt; throws a RewardsInputError naming it when it cannot belong to the epoch. */
  add(receipt: RewardReceipt): void {
    if (this.finished)
      throw new RewardsInputError("These receipts were already turned into rewards; no receipt can be added.");
    const { epoch, epochStart, epochEnd } = this.window;
    if (receipt.epoch !== epoch)
      throw new RewardsInputError(`${receiptLabel(receipt)} belongs to epoch ${String(receipt.epoch)}, not ${epoch}.`);
    const timestamp = receipt.timestamp;
    if (typeof timestamp !== "bigint" || timestamp < epochStart || timestamp >= epochEnd) {
      throw new RewardsInputError(
        `${receiptLabel(receipt)} has timestamp ${String(timestamp)} outside [${epochStart}, ${epochEnd}).`,
      );
    }
    const model = this.registry.get(receipt.modelId);
    if (!model) {
      throw new RewardsInputError(
        `${receiptLabel(receipt)} names model ${String(receipt.modelId)}, which the registry lacks.`,
      );
    }
    const deploymentId = receipt.deploymentId;
    if (!model.deployments.has(deploymentId)) {
      throw new RewardsInputError(
        `${receiptLabel(receipt)} names deployment ${String(deploymentId)}, which model ${model.modelId} does not list.`,
      );
    }
    const fee = receipt.fee;
    if (typeof fee !== "bigint" || fee < 0n) {
      throw new RewardsInputError(`${receiptLabel(receipt)} has fee ${String(fee)}, not a non-negative bigint.`);
    }
    const payer = this.payerKey(receipt);
    const userId = receipt.userId;
    const userKind = receipt.userKind;
    let byId = this.identities.get(userKind);
    if (byId === undefined) this.identities.set(userKind, (byId = new Map()));
    let ofIdentity = byId.get(userId);
    if (ofIdentity === undefined) {
      const identity = userIdentity(userId, userKind);
      ofIdentity = this.byKey.get(identity.key);
      if (ofIdentity === undefined) this.byKey.set(identity.key, (ofIdentity = { identity, tallies: new Map() }));
      byId.set(userId, ofIdentity);
    }
    const day = this.dayOf(timestamp);

    let modelUsage = this.models.get(model);
    if (!modelUsage) {
      modelUsage = { calls: 0, users: new Map() };
      this.models.set(model, modelUsage);
    }
    let user = ofIdentity.tallies.get(model);
    if (!user) {
      const identity = ofIdentity.identity;
      user = {
        identity,
        userId,
        userKind,
        calls: 0,
        dayBits: 0,
        moreDays: null,
        deployment: deploymentId,
        deploymentCalls: 0,
        moreDeployments: null,
        payer,
        payerCalls: 0,
        morePayers: null,
        fee,
        feeCalls: 0,
        otherFees: 0n,
        citations: new Map(),
      };
      ofIdentity.tallies.set(model, user);
      modelUsage.users.set(identity.key, user);
    }
    this.count++;
    modelUsage.calls++;
    user.calls++;
    if (day < DAY_BITS) user.dayBits |= 1 << day;
    else (user.moreDays ??= new Set()).add(day);
    if (deploymentId === user.deployment) user.deploymentCalls++;
    else {
      const more = (user.moreDeployments ??= new Map());
      more.set(deploymentId, (more.get(deploymentId) ?? 0) + 1);
    }
    if (payer === user.payer) user.payerCalls++;
    else {
      const more = (user.morePayers ??= new Map());
      more.set(payer, (more.get(payer) ?? 0) + 1);
    }
    if (fee === user.fee) user.feeCalls++;
    else user.otherFees += fee;
    const attribution = receipt.attribution;
    if (attribution !== undefined && attribution.length > 0) this.pending.push({ user, model, attribution });
  }

  /** Every (model, identity) pair counted so far, with the user id and kind of its first receipt. */
  *pairs(): Generator<{ modelId: bigint; identity: UserIdentity; userId: Hex; userKind: UserKind }> {
    for (const [{ modelId }, { users }] of this.models) {
      for (const { identity, userId, userKind } of users.values()) yield { modelId, identity, userId, userKind };
    }
  }

  /** The attribution lists of the receipts counted so far that cite entries, in the order added. */
  *attributionLists(): Generator<readonly AttributedEntry[]> {
    for (const { attribution } of this.pending) yield attribution;
  }

  /** Resolves the waiting citations against `entries` and returns the aggregate; no receipt can be added after. */
  finish(entries: DatasetEntryIndex): UsageAggregate {
    if (this.finished)
      throw new RewardsInputError(
        "These receipts were already turned into rewards once; count them again for another computation.",
      );
    this.finished = true;
    for (const { user, model, attribution } of this.pending) {
      const { valid, credited } = resolveCitations(entries, model, attribution);
      for (const entry of credited) {
        const cited = user.citations.get(entry.key) ?? { entry, units: 0n };
        // Citing more entries splits the call, never multiplies it.
        cited.units += SCORE_SCALE / BigInt(valid);
        user.citations.set(entry.key, cited);
      }
    }
    const models = new Map<bigint, ModelUsage>();
    for (const [{ modelId }, { calls, users }] of this.models) {
      const usages = new Map<string, UserUsage>();
      for (const [key, tally] of users) usages.set(key, toUserUsage(tally));
      models.set(modelId, { calls, users: usages });
    }
    return { receipts: this.count, models };
  }

  private payerKey(receipt: RewardReceipt): string {
    let payer = this.payers.get(receipt.payer);
    if (payer === undefined) {
      if (!isAddressShape(receipt.payer)) {
        throw new RewardsInputError(
          `${receiptLabel(receipt)} has payer ${String(receipt.payer)}, not a 20-byte hex address.`,
        );
      }
      payer = receipt.payer.toLowerCase();
      this.payers.set(receipt.payer, payer);
    }
    return payer;
  }

  private dayOf(timestamp: bigint): number {
    if (!this.numericDays) return Number((timestamp - this.window.epochStart) / this.window.dayLengthSeconds);
    // Integers below 2^53: the remainder is exact, so the division of a multiple is too.
    const elapsed = Number(timestamp) - this.startSeconds;
    return (elapsed - (elapsed % this.dayLength)) / this.dayLength;
  }
}
