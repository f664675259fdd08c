import { type Hex, keccak256, stringToBytes } from "viem";
import { canonicalJson } from "./canonical-json";
import type { Dataset } from "./dataset-file";

/**
 * UTF-8 bytes of the dataset's canonical JSON: what `datasetContentHash` commits to. Canonical JSON
 * (keys sorted, no whitespace) rather than the file's bytes: re-indenting or re-ordering keys does
 * not change the hash registered on chain, while any change to content does.
 */
export function canonicalDatasetBytes(dataset: Dataset): Uint8Array {
  return stringToBytes(canonicalJson(dataset));
}

/** keccak256 of the canonical dataset bytes, the value registered on chain as the dataset's contentHash. */
export function datasetContentHash(dataset: Dataset): Hex {
  return keccak256(canonicalDatasetBytes(dataset));
}
