import { type Hex, keccak256, stringToBytes } from "viem";
import type { Dataset } from "./schema";

/**
 * Canonical JSON: object keys sorted by code unit, no whitespace, arrays in order. Hashing this
 * instead of the file's bytes means re-indenting or re-ordering keys does not change the hash
 * registered on chain, while any change to content does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`canonicalJson cannot encode the number ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  throw new TypeError(`canonicalJson cannot encode a value of type ${typeof value}`);
}

/** UTF-8 bytes of the dataset's canonical JSON: what `datasetContentHash` commits to. */
export function canonicalDatasetBytes(dataset: Dataset): Uint8Array {
  return stringToBytes(canonicalJson(dataset));
}

/** keccak256 of the canonical dataset bytes, the value registered on chain as the dataset's contentHash. */
export function datasetContentHash(dataset: Dataset): Hex {
  return keccak256(canonicalDatasetBytes(dataset));
}
