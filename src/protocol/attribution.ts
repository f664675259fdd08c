import { type Hex, zeroHash } from "viem";
import { z } from "zod";
import { utf8ToBytes } from "@noble/hashes/utils";
import { keccak256Bytes } from "./keccak";
import { bytes32ToHex } from "./merkle";

/**
 * Most entries one answer may cite. A retrieval answer cites one; the bound keeps a backend from
 * bloating receipts and batch files with citations.
 */
export const MAX_ATTRIBUTED_ENTRIES = 16;

/**
 * One dataset entry an answer used: the dataset version by its on-chain content hash (a verifier
 * finds which dataset and version it is from `DatasetVersionPublished` events, among the datasets the
 * model links) and the entry's id inside that version's file.
 */
export type AttributedEntry = { contentHash: Hex; entryId: string };

/** A dataset version's content hash as cited: lower-case, so one version has one spelling in every hash. */
export const ATTRIBUTED_CONTENT_HASH_PATTERN = /^0x[0-9a-f]{64}$/;
/** A dataset entry id (datasets/README.md): lower-case kebab-case ASCII. */
export const ATTRIBUTED_ENTRY_ID_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export const attributedEntrySchema = z.strictObject({
  contentHash: z
    .string()
    .regex(ATTRIBUTED_CONTENT_HASH_PATTERN, "must be 32-byte lower-case hex")
    .transform((s) => s as Hex),
  entryId: z.string().regex(ATTRIBUTED_ENTRY_ID_PATTERN, "must be a lower-case kebab-case entry id"),
});

/** What a backend reports (`kho_attribution`) and what a batch file lists per receipt. */
export const attributionSchema = z
  .array(attributedEntrySchema)
  .max(MAX_ATTRIBUTED_ENTRIES, `must cite at most ${MAX_ATTRIBUTED_ENTRIES} entries`);

const sortKey = (e: AttributedEntry) => `${e.contentHash}#${e.entryId}`;

/** True when `entries` is already normalized: strictly ascending by content hash, then entry id. */
export function isNormalizedAttribution(entries: readonly AttributedEntry[]): boolean {
  for (let i = 1; i < entries.length; i++) if (!(sortKey(entries[i - 1]!) < sortKey(entries[i]!))) return false;
  return true;
}

/** Sorted by content hash then entry id, duplicates removed: one list, one hash, whatever order a backend used. */
export function normalizeAttribution(entries: readonly AttributedEntry[]): AttributedEntry[] {
  const copy = (e: AttributedEntry) => ({ contentHash: e.contentHash, entryId: e.entryId });
  // Batch files and most backends give the normalized list (often of one entry): nothing to sort.
  if (isNormalizedAttribution(entries)) return entries.map(copy);
  const unique = new Map(entries.map((e) => [sortKey(e), copy(e)]));
  return [...unique.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, e]) => e);
}

/**
 * The receipt's `attributionHash`: zero when the answer cites nothing (so a backend that reports
 * nothing attributes nothing), else `canonicalJsonHash` of the normalized list. The canonical JSON
 * is written here directly (each entry has two string keys, already in sorted order) and hashed
 * over bytes: canonicalJsonHash (viem's keccak256) took ~3× as long, and batch file readers hash
 * every cited receipt's list.
 */
export function attributionHash(entries: readonly AttributedEntry[]): Hex {
  const normalized = normalizeAttribution(entries);
  if (normalized.length === 0) return zeroHash;
  const json = `[${normalized
    .map((e) => `{"contentHash":${JSON.stringify(e.contentHash)},"entryId":${JSON.stringify(e.entryId)}}`)
    .join(",")}]`;
  return bytes32ToHex(keccak256Bytes(utf8ToBytes(json)), 0);
}
