import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Hex } from "viem";
import { type CumulativeRewardTree, parseCumulativeRewardTree } from "../../protocol/cumulative-tree";
import { keccak256Hex } from "../../protocol/keccak";
import type { Mirror } from "../../protocol/mirror";
import { fetchDataUri } from "../../sdk/data-uri";
import { loadRewardTree } from "../../sdk/actions/rewards/loadRewardTree";
import { fetchCommitted } from "../../sdk/mirrors";
import type { BatchEvent, DatasetVersionEvent } from "./chain-history";
import { datasetFileProblem } from "./dataset-credits";

export type PublicDataSourceParameters = {
  /** Reads a data URI committed on chain (default: file:// and http(s):// via fetchDataUri). */
  fetchData?: (uri: string) => Promise<Uint8Array>;
  /** Content-addressed mirrors asked first, in order (docs/protocol.md "Mirrors"). */
  mirrors?: readonly Mirror[];
  /** Told, in one sentence, about each mirror that failed or served a file the chain does not commit to. */
  onSourceFailed?: (message: string) => void;
};

/**
 * Where batch files, accepted reward trees and dataset version files come from: mirrors by
 * committed hash, then the URI on chain.
 */
export type PublicDataSource = {
  /** The batch file's bytes; checking them against the batch is left to the caller (tampered vs. unavailable). */
  batchFile(batch: Pick<BatchEvent, "relayer" | "batchId" | "dataURI" | "dataHash">): Promise<Uint8Array>;
  /** The accepted tree of `epoch` with `root`, or null when no source has it. */
  acceptedTree(epoch: bigint, root: Hex, dataURI: string): Promise<CumulativeRewardTree | null>;
  /**
   * A dataset version's file: a mirror's copy named by the version's content hash when it is that
   * content, else the bytes at the version's URI (checking those is left to the caller).
   */
  datasetVersionFile(
    version: Pick<DatasetVersionEvent, "datasetId" | "version" | "contentHash" | "uri">,
  ): Promise<Uint8Array>;
};

/** A URI with a scheme goes to `fetchData`; anything else is a local path, relative to the working directory. */
function readUriOrPath(fetchData: (uri: string) => Promise<Uint8Array>, uri: string): Promise<Uint8Array> {
  return /^[a-z][a-z0-9+.-]*:/i.test(uri) ? fetchData(uri) : readFile(path.resolve(uri)).then((b) => new Uint8Array(b));
}

export function createPublicDataSource(parameters: PublicDataSourceParameters): PublicDataSource {
  const fetchData = parameters.fetchData ?? ((uri: string) => fetchDataUri({ uri }));
  const mirrors = parameters.mirrors ?? [];
  return {
    async batchFile(batch) {
      if (mirrors.length > 0) {
        try {
          const found = await fetchCommitted({
            what: `batch file ${batch.batchId} of relayer ${batch.relayer}`,
            hash: batch.dataHash,
            mirrors,
            check: (bytes) =>
              keccak256Hex(bytes) === batch.dataHash.toLowerCase()
                ? null
                : "the file does not hash to the dataHash committed on chain",
            onSourceFailed: parameters.onSourceFailed,
          });
          return found.bytes;
        } catch {
          // Every mirror's failure was told; the committed URI decides between tampered and unavailable.
        }
      }
      return fetchData(batch.dataURI);
    },
    async acceptedTree(epoch, root, dataURI) {
      try {
        const tree =
          mirrors.length > 0
            ? await loadRewardTree({ dataURI, root, mirrors, onSourceFailed: parameters.onSourceFailed })
            : parseCumulativeRewardTree(new TextDecoder().decode(await fetchData(dataURI)));
        return tree.root?.toLowerCase() === root.toLowerCase() && tree.epoch === epoch ? tree : null;
      } catch {
        return null;
      }
    },
    async datasetVersionFile(version) {
      if (mirrors.length > 0) {
        try {
          const found = await fetchCommitted({
            what: `file of dataset ${version.datasetId} v${version.version}`,
            hash: version.contentHash,
            mirrors,
            check: (bytes) => datasetFileProblem(bytes, version.contentHash),
            onSourceFailed: parameters.onSourceFailed,
          });
          return found.bytes;
        } catch {
          // Every mirror's failure was told; the URI on chain is the last source.
        }
      }
      return readUriOrPath(fetchData, version.uri);
    },
  };
}
