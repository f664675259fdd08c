import { type Address, getAddress } from "viem";
import { z } from "zod";
import { describeZodIssue } from "../../protocol/zod-issue";
import { KhoError } from "../../protocol/errors";
import { parseDataset } from "./load-dataset";
import { type Dataset, type DatasetEntry, datasetEntrySchema } from "../../protocol/dataset-file";

export class ContributionError extends KhoError {
  override name = "ContributionError";
  readonly code = "contribution_invalid";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A member's proposed entry for the next version of a dataset, credited to its contributor. */
export const contributionSchema = z.strictObject({
  dataset: z.string().min(1),
  /** The version the entry was written against. */
  baseVersion: z.number().int().positive(),
  entry: datasetEntrySchema.refine((e) => e.contributor !== undefined, "must name its contributor"),
});
export type Contribution = z.infer<typeof contributionSchema>;

/** Validates a contribution file's content; `source` names it in the one-sentence error. */
export function parseContribution(value: unknown, source = "contribution"): Contribution {
  const parsed = contributionSchema.safeParse(value);
  if (!parsed.success) {
    throw new ContributionError(`${source} is not a valid contribution: ${describeZodIssue(parsed.error)}.`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

/**
 * A contribution of `entry` to `base`, credited to `contributor`: the entry must be valid in the
 * dataset (its locale's languages, an id not taken yet), so a reviewer only judges its content.
 */
export function createContribution(base: Dataset, entry: unknown, contributor: Address): Contribution {
  const credited = parseContribution(
    {
      dataset: base.id,
      baseVersion: base.version,
      entry: { ...(entry as object), contributor: getAddress(contributor) },
    },
    "The entry",
  );
  checkFits(base, [credited.entry]);
  return credited;
}

/**
 * The next version of `base` with the accepted contributions appended in the given order, each
 * keeping its contributor: the file whose content hash the steward publishes on chain.
 */
export function acceptContributions(base: Dataset, contributions: readonly Contribution[]): Dataset {
  if (contributions.length === 0) throw new ContributionError("Accept at least one contribution.");
  for (const c of contributions) {
    if (c.dataset !== base.id) {
      throw new ContributionError(`Contribution of entry ${c.entry.id} is for dataset ${c.dataset}, not ${base.id}.`);
    }
    if (c.baseVersion > base.version) {
      throw new ContributionError(
        `Contribution of entry ${c.entry.id} was written against v${c.baseVersion}, newer than ${base.id} v${base.version}.`,
      );
    }
  }
  const entries = contributions.map((c) => c.entry);
  checkFits(base, entries);
  return parseDataset({ ...base, version: base.version + 1, entries: [...base.entries, ...entries] });
}

function checkFits(base: Dataset, entries: readonly DatasetEntry[]): void {
  try {
    parseDataset({ ...base, entries: [...base.entries, ...entries] }, `${base.id} with the contribution`);
  } catch (cause) {
    throw new ContributionError((cause as Error).message, { cause });
  }
}
