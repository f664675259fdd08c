import type { Address, Hex } from "viem";
import { datasetContentHash } from "../../protocol/dataset-content-hash";
import { type Dataset, datasetSchema } from "../../protocol/dataset-file";
import { describeZodIssue } from "../../protocol/zod-issue";
import type { AttributedEntry } from "../../protocol/attribution";
import type { DatasetEntryCredit } from "../core";
import type { DatasetVersionEvent } from "./chain-history";
import { RewardsPipelineError } from "./errors";
import type { RegistrySnapshot } from "./registry-snapshot";

/** One dataset version file the epoch's contributor credits were read from (recorded in inputs.json). */
export type DatasetVersionInput = {
  datasetId: bigint;
  version: bigint;
  contentHash: Hex;
  uri: string;
  entries: number;
  /** Entries with a contributor: the ones the contributor pool can pay. */
  credited: number;
};

/**
 * The dataset versions an answer of this epoch can cite: published before the epoch's end, of a
 * dataset some model links at the end. One content hash names the version that first published
 * it, so a steward re-publishing old content (a revert) does not make one file two versions.
 */
export function citableDatasetVersions(
  events: readonly DatasetVersionEvent[],
  registry: RegistrySnapshot,
  before: bigint,
): DatasetVersionEvent[] {
  const linked = new Set<bigint>();
  for (const model of registry.models.values()) for (const id of model.datasetIds) linked.add(id);
  const byHash = new Map<string, DatasetVersionEvent>();
  for (const e of events) {
    const hash = e.contentHash.toLowerCase();
    if (e.timestamp < before && linked.has(e.datasetId) && !byHash.has(hash)) byHash.set(hash, e);
  }
  return [...byHash.values()];
}

/** The content hashes (lower case) the answers' attribution lists cite. */
export function citedContentHashes(lists: Iterable<readonly AttributedEntry[] | undefined>): Set<string> {
  const cited = new Set<string>();
  for (const list of lists) for (const a of list ?? []) cited.add(a.contentHash.toLowerCase());
  return cited;
}

const describe = (v: DatasetVersionEvent) => `Dataset ${v.datasetId} v${v.version}'s file`;

/** Why `bytes` are not the version's file (invalid, or not the content published on chain), or null when they are. */
export function datasetFileProblem(bytes: Uint8Array, contentHash: Hex): string | null {
  const checked = checkedDatasetFile(bytes, contentHash);
  return typeof checked === "string" ? checked : null;
}

/** The dataset in `bytes` when it is the content committed as `contentHash`, else why not. */
function checkedDatasetFile(bytes: Uint8Array, contentHash: Hex): Dataset | string {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    return `it is not JSON (${(error as Error).message.replace(/\.$/, "")})`;
  }
  const result = datasetSchema.safeParse(json);
  if (!result.success) return `it is not a valid dataset file (${describeZodIssue(result.error)})`;
  const hash = datasetContentHash(result.data);
  return hash.toLowerCase() === contentHash.toLowerCase()
    ? result.data
    : `it hashes to ${hash}, not the content hash ${contentHash} published on chain`;
}

/**
 * Every entry of one published version with its contributor, from the version's file. A file that
 * is not the content committed on chain is refused: a contributor field changed after publication
 * would redirect what the pool pays.
 */
export function datasetVersionCredits(version: DatasetVersionEvent, bytes: Uint8Array): DatasetEntryCredit[] {
  const dataset = checkedDatasetFile(bytes, version.contentHash);
  if (typeof dataset === "string")
    throw new RewardsPipelineError(`${describe(version)} from ${version.uri} is refused: ${dataset}.`);
  return dataset.entries.map((entry) => ({
    datasetId: version.datasetId,
    version: version.version,
    contentHash: version.contentHash,
    entryId: entry.id,
    contributor: entry.contributor === undefined ? null : (entry.contributor.toLowerCase() as Address),
  }));
}

export type CollectDatasetCreditsParameters = {
  /** From citableDatasetVersions. */
  versions: readonly DatasetVersionEvent[];
  /** From citedContentHashes: only these versions' files are read. */
  cited: ReadonlySet<string>;
  /** The version file's bytes (mirrors by content hash, then the URI published on chain). */
  fetchVersionFile: (version: DatasetVersionEvent) => Promise<Uint8Array>;
};
export type CollectDatasetCreditsReturnType = { credits: DatasetEntryCredit[]; inputs: DatasetVersionInput[] };

/**
 * The contributor pool's input: the entries of every version the epoch's answers cite. A cited
 * version whose file cannot be read fails the computation instead of paying its contributors
 * nothing: a root built without them could not be told apart from an honest one.
 */
export async function collectDatasetCredits(
  parameters: CollectDatasetCreditsParameters,
): Promise<CollectDatasetCreditsReturnType> {
  const versions = parameters.versions
    .filter((v) => parameters.cited.has(v.contentHash.toLowerCase()))
    .sort((a, b) =>
      a.datasetId !== b.datasetId ? (a.datasetId < b.datasetId ? -1 : 1) : a.version < b.version ? -1 : 1,
    );
  const credits: DatasetEntryCredit[] = [];
  const inputs: DatasetVersionInput[] = [];
  for (const version of versions) {
    let bytes: Uint8Array;
    try {
      bytes = await parameters.fetchVersionFile(version);
    } catch (cause) {
      const reason = (cause instanceof Error ? cause.message : String(cause)).replace(/\.$/, "");
      throw new RewardsPipelineError(
        `${describe(version)} is cited by this epoch's answers but cannot be read (${reason}), so its contributors cannot be credited; put it on a mirror as ${version.contentHash.toLowerCase()}.`,
        { cause },
      );
    }
    const entries = datasetVersionCredits(version, bytes);
    credits.push(...entries);
    inputs.push({
      datasetId: version.datasetId,
      version: version.version,
      contentHash: version.contentHash,
      uri: version.uri,
      entries: entries.length,
      credited: entries.filter((e) => e.contributor !== null).length,
    });
  }
  return { credits, inputs };
}
