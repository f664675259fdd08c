import type { Address } from "viem";
import type { AttributedEntry } from "../../protocol/attribution";
import { RewardsInputError } from "./errors";
import { isAddressShape } from "../../protocol/receipt-json";
import type { PreparedModel } from "./prepare-inputs";
import type { DatasetEntryCredit } from "./types";

/** A credited entry as the contributor pool pays it: one (dataset, entry id, contributor), across versions. */
export type CreditedEntry = { key: string; datasetId: bigint; entryId: string; contributor: Address };

type PreparedVersion = { datasetId: bigint; version: bigint; entries: Map<string, Address | null> };

/** Content hash → the dataset version it is, with each entry's contributor (null: credited to nobody). */
export type DatasetEntryIndex = ReadonlyMap<string, PreparedVersion>;

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

/**
 * Indexes the entries of the published dataset versions (read from each version's file, whose hash
 * the chain holds). One content hash is one version of one dataset; an entry listed twice must name
 * the same contributor.
 */
export function prepareDatasetEntries(credits: Iterable<DatasetEntryCredit> | undefined): DatasetEntryIndex {
  const index = new Map<string, PreparedVersion>();
  for (const credit of credits ?? []) {
    const where = `Dataset entry ${String(credit.entryId)} of dataset ${String(credit.datasetId)}`;
    if (typeof credit.contentHash !== "string" || !BYTES32.test(credit.contentHash)) {
      throw new RewardsInputError(`${where} has content hash ${String(credit.contentHash)}, not 32-byte hex.`);
    }
    if (credit.contributor !== null && !isAddressShape(credit.contributor)) {
      throw new RewardsInputError(`${where} has contributor ${String(credit.contributor)}, not an address or null.`);
    }
    const hash = credit.contentHash.toLowerCase();
    let version = index.get(hash);
    if (!version) {
      version = { datasetId: credit.datasetId, version: credit.version, entries: new Map() };
      index.set(hash, version);
    } else if (version.datasetId !== credit.datasetId || version.version !== credit.version) {
      throw new RewardsInputError(
        `Content hash ${hash} is named as dataset ${version.datasetId} v${version.version} and as dataset ` +
          `${credit.datasetId} v${credit.version}.`,
      );
    }
    const contributor = credit.contributor === null ? null : (credit.contributor.toLowerCase() as Address);
    const known = version.entries.get(credit.entryId);
    if (known !== undefined && known !== contributor) {
      throw new RewardsInputError(`${where} v${credit.version} is listed with two different contributors.`);
    }
    version.entries.set(credit.entryId, contributor);
  }
  return index;
}

/**
 * The entries one answer cited that count: in a version of a dataset the model links, and present in
 * that version's file. Citations of anything else are dropped, so a model cannot credit entries of
 * datasets it does not declare, nor entries that do not exist. `valid` counts every counted citation
 * (credited or not): a call's weight is shared among all of them.
 */
export function resolveCitations(
  index: DatasetEntryIndex,
  model: PreparedModel,
  attribution: readonly AttributedEntry[] | undefined,
): { valid: number; credited: CreditedEntry[] } {
  if (attribution === undefined || attribution.length === 0) return { valid: 0, credited: [] };
  const seen = new Set<string>();
  const credited: CreditedEntry[] = [];
  let valid = 0;
  for (const cited of attribution) {
    const version = index.get(String(cited.contentHash).toLowerCase());
    if (!version || !model.datasetIds.includes(version.datasetId) || !version.entries.has(cited.entryId)) continue;
    const contributor = version.entries.get(cited.entryId)!;
    // The same entry cited twice (or in two versions) by one answer counts once.
    const key = `${version.datasetId}#${cited.entryId}#${contributor ?? ""}`;
    if (seen.has(key)) continue;
    seen.add(key);
    valid++;
    if (contributor !== null) credited.push({ key, datasetId: version.datasetId, entryId: cited.entryId, contributor });
  }
  return { valid, credited };
}
