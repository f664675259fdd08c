import type { Hex } from "viem";
import { type Mirror, getMirrorObject } from "../protocol/mirror";
import { fetchDataUri } from "./data-uri";
import { KhoDataUriError } from "./errors";

export type FetchCommittedParameters = {
  /** What is fetched, for messages: "batch file 7 of 0xRelayer…", "reward tree of epoch 3". */
  what: string;
  /** The hash the chain commits (dataHash, Merkle root): the object's name on every mirror. */
  hash: Hex;
  /** Mirrors tried in order before `dataURI`. */
  mirrors: readonly Mirror[];
  /** The URI committed on chain, tried last; omit to use mirrors only. */
  dataURI?: string;
  /** Why the bytes are not the committed object, or null when they are. */
  check: (bytes: Uint8Array) => string | null;
  /** Told once per source that failed, in one sentence, even when a later source succeeds. */
  onSourceFailed?: (message: string) => void;
};
export type FetchCommittedReturnType = { bytes: Uint8Array; source: string };
export type FetchCommittedErrorType = KhoDataUriError;

/**
 * The bytes the chain commits to, from the first source that has them: each configured mirror in
 * order, then the data URI on chain. Every candidate is checked against the commitment, so a
 * mirror can withhold a file but never change one.
 */
export async function fetchCommitted(parameters: FetchCommittedParameters): Promise<FetchCommittedReturnType> {
  const { what, hash, check } = parameters;
  const sources: { label: string; get: () => Promise<Uint8Array> }[] = parameters.mirrors.map((mirror) => ({
    label: `mirror ${mirror.label}`,
    get: () => getMirrorObject(mirror, hash),
  }));
  const { dataURI } = parameters;
  if (dataURI !== undefined) sources.push({ label: `data URI ${dataURI}`, get: () => fetchDataUri({ uri: dataURI }) });
  if (sources.length === 0) throw new KhoDataUriError(`No mirror or data URI is known for the ${what}.`);
  const failures: string[] = [];
  for (const source of sources) {
    let reason: string | null;
    let bytes: Uint8Array | undefined;
    try {
      bytes = await source.get();
      reason = check(bytes);
    } catch (error) {
      reason = (error instanceof Error ? error.message : String(error)).replace(/\.$/, "");
    }
    if (reason === null && bytes !== undefined) return { bytes, source: source.label };
    const sentence = `${source.label} failed for the ${what}: ${reason}.`;
    failures.push(sentence);
    parameters.onSourceFailed?.(sentence);
  }
  throw new KhoDataUriError(
    `No source has the ${what} committed as ${hash} (${failures.map((f) => f.replace(/\.$/, "")).join("; ")}).`,
  );
}
