import type { AttributedEntry } from "../../protocol/attribution";
import { type UsageAggregate, UsageAggregator } from "./aggregate-usage";
import type { DatasetEntryIndex } from "./dataset-entries";
import { RewardsInputError } from "./errors";
import { resolveRewardParams } from "./params";
import { prepareRegistry } from "./prepare-inputs";
import type { EpochActivityPair, EpochRewardsInput, RewardReceipt } from "./types";

export type EpochUsageParameters = Pick<EpochRewardsInput, "epoch" | "epochStart" | "epochEnd" | "registry" | "params">;

/**
 * An epoch's receipts counted as they arrive, passed to computeEpochRewards as its `receipts`: a
 * pipeline that checks batch files on worker threads adds each batch's receipts while the next
 * files are being checked, instead of keeping every receipt until the last batch is in. Made for
 * one epoch, registry object and day length, which computeEpochRewards checks against its input.
 */
export class EpochUsage {
  private readonly aggregator: UsageAggregator;

  constructor(readonly parameters: EpochUsageParameters) {
    const { epoch, epochStart, epochEnd } = parameters;
    const params = resolveRewardParams(parameters.params);
    this.aggregator = new UsageAggregator(prepareRegistry(parameters.registry), {
      epoch,
      epochStart,
      epochEnd,
      dayLengthSeconds: BigInt(params.dayLengthSeconds),
    });
  }

  /** Receipts added so far. */
  get size(): number {
    return this.aggregator.receipts;
  }

  /** Counts one valid, signature-checked, deduplicated receipt of the epoch. */
  add(receipt: RewardReceipt): void {
    this.aggregator.add(receipt);
  }

  /** This epoch's (model, identity) pairs so far, each named by the user id and kind of its first receipt. */
  *activity(): Generator<EpochActivityPair> {
    for (const { modelId, identity, userId, userKind } of this.aggregator.pairs())
      yield { modelId, identityKey: identity.key, userId, userKind };
  }

  /** The attribution lists of the receipts added so far that cite entries, in the order added. */
  attributionLists(): Iterable<readonly AttributedEntry[]> {
    return this.aggregator.attributionLists();
  }

  /** For computeEpochRewards: the aggregate, once its input is known to be the one this usage was made for. */
  finishFor(input: EpochRewardsInput, dayLengthSeconds: number, entries: DatasetEntryIndex): UsageAggregate {
    const made = this.parameters;
    if (
      made.registry !== input.registry ||
      made.epoch !== input.epoch ||
      made.epochStart !== input.epochStart ||
      made.epochEnd !== input.epochEnd ||
      this.aggregator.window.dayLengthSeconds !== BigInt(dayLengthSeconds)
    ) {
      throw new RewardsInputError(
        "The epoch usage was counted for another epoch, window, registry or day length than this input's.",
      );
    }
    return this.aggregator.finish(entries);
  }
}
