import { type Hex, keccak256 } from "viem";
import { type CumulativeRewardTree, parseCumulativeRewardTree } from "../../protocol/cumulative-tree";
import type { Mirror } from "../../protocol/mirror";
import { fetchDataUri } from "../../sdk/data-uri";
import { loadRewardTree } from "../../sdk/actions/rewards/loadRewardTree";
import { fetchCommitted } from "../../sdk/mirrors";
import type { BatchEvent } from "./chain-history";

export type PublicDataSourceParameters = {
  /** Reads a data URI committed on chain (default: file:// and http(s):// via fetchDataUri). */
  fetchData?: (uri: string) => Promise<Uint8Array>;
  /** Content-addressed mirrors asked first, in order (docs/protocol.md "Mirrors"). */
  mirrors?: readonly Mirror[];
  /** Told, in one sentence, about each mirror that failed or served a file the chain does not commit to. */
  onSourceFailed?: (message: string) => void;
};

/** Where batch files and accepted reward trees come from: mirrors by committed hash, then the data URI on chain. */
export type PublicDataSource = {
  /** The batch file's bytes; checking them against the batch is left to the caller (tampered vs. unavailable). */
  batchFile(batch: Pick<BatchEvent, "relayer" | "batchId" | "dataURI" | "dataHash">): Promise<Uint8Array>;
  /** The accepted tree of `epoch` with `root`, or null when no source has it. */
  acceptedTree(epoch: bigint, root: Hex, dataURI: string): Promise<CumulativeRewardTree | null>;
};

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
              keccak256(bytes).toLowerCase() === batch.dataHash.toLowerCase()
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
  };
}
