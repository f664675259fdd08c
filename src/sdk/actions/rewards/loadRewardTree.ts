import type { Hex } from "viem";
import { type CumulativeRewardTree, parseCumulativeRewardTree } from "../../../protocol/cumulative-tree";
import type { Mirror } from "../../../protocol/mirror";
import { fetchDataUri } from "../../data-uri";
import { fetchCommitted } from "../../mirrors";
import { RewardsPublishError } from "./errors";

export type LoadRewardTreeParameters = {
  /** Where the dump lives (a root's dataURI, or file:// of epochs/N/tree.json). */
  dataURI: string;
  /** When given, the dump must have exactly this root; mirrors are asked for it by this root. */
  root?: Hex;
  /** Mirrors tried in order before the data URI (only with `root`, the name trees have on mirrors). */
  mirrors?: readonly Mirror[];
  /** Told, in one sentence, about each mirror that did not have a valid tree. */
  onSourceFailed?: (message: string) => void;
  fetchData?: (uri: string) => Promise<Uint8Array>;
};
export type LoadRewardTreeErrorType = RewardsPublishError;

/** Why `bytes` are not the tree with `root`, or null; parsing checks every leaf and proof. */
function treeMismatch(bytes: Uint8Array, root: Hex | undefined): string | null {
  let tree: CumulativeRewardTree;
  try {
    tree = parseCumulativeRewardTree(new TextDecoder().decode(bytes));
  } catch (error) {
    return `not a valid reward tree (${error instanceof Error ? error.message.replace(/\.$/, "") : String(error)})`;
  }
  if (root !== undefined && tree.root?.toLowerCase() !== root.toLowerCase())
    return `its root is ${tree.root}, not ${root}`;
  return null;
}

/** Fetches a cumulative tree dump and checks every leaf, proof and the root it claims. */
export async function loadRewardTree(parameters: LoadRewardTreeParameters): Promise<CumulativeRewardTree> {
  const { root, dataURI } = parameters;
  const mirrors = parameters.mirrors ?? [];
  if (root !== undefined && mirrors.length > 0) {
    let bytes: Uint8Array;
    try {
      ({ bytes } = await fetchCommitted({
        what: "reward tree",
        hash: root,
        mirrors,
        dataURI,
        check: (candidate) => treeMismatch(candidate, root),
        onSourceFailed: parameters.onSourceFailed,
      }));
    } catch (cause) {
      throw new RewardsPublishError(cause instanceof Error ? cause.message : String(cause), { cause });
    }
    return parseCumulativeRewardTree(new TextDecoder().decode(bytes));
  }
  const fetchData = parameters.fetchData ?? ((uri: string) => fetchDataUri({ uri }));
  let bytes: Uint8Array;
  try {
    bytes = await fetchData(dataURI);
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new RewardsPublishError(`Cannot use the reward tree at ${dataURI}: ${why}`, { cause });
  }
  const mismatch = treeMismatch(bytes, root);
  if (mismatch !== null) throw new RewardsPublishError(`The reward tree at ${dataURI} is unusable: ${mismatch}.`);
  return parseCumulativeRewardTree(new TextDecoder().decode(bytes));
}
