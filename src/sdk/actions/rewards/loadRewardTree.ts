import type { Hex } from "viem";
import { type CumulativeRewardTree, parseCumulativeRewardTree } from "../../../protocol/cumulative-tree";
import { fetchDataUri } from "../../data-uri";
import { RewardsPublishError } from "./errors";

export type LoadRewardTreeParameters = {
  /** Where the dump lives (a root's dataURI, or file:// of epochs/N/tree.json). */
  dataURI: string;
  /** When given, the dump must have exactly this root. */
  root?: Hex;
  fetchData?: (uri: string) => Promise<Uint8Array>;
};
export type LoadRewardTreeErrorType = RewardsPublishError;

/** Fetches a cumulative tree dump and checks every leaf, proof and the root it claims. */
export async function loadRewardTree(parameters: LoadRewardTreeParameters): Promise<CumulativeRewardTree> {
  const fetchData = parameters.fetchData ?? ((uri: string) => fetchDataUri({ uri }));
  let tree: CumulativeRewardTree;
  try {
    tree = parseCumulativeRewardTree(new TextDecoder().decode(await fetchData(parameters.dataURI)));
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new RewardsPublishError(`Cannot use the reward tree at ${parameters.dataURI}: ${why}`, { cause });
  }
  if (parameters.root !== undefined && tree.root?.toLowerCase() !== parameters.root.toLowerCase()) {
    throw new RewardsPublishError(
      `The reward tree at ${parameters.dataURI} has root ${tree.root}, not ${parameters.root}.`,
    );
  }
  return tree;
}
