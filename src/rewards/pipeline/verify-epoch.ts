import type { Hex } from "viem";
import { getDistributorState } from "../../sdk/actions/distributor/getDistributorState";
import type { KhoClient } from "../../sdk/client";
import type { EpochComputation, RewardsPipeline } from "./rewards-pipeline";

export type VerifyEpochParameters = { pipeline: RewardsPipeline; client: KhoClient; epoch: bigint };
export type VerifyEpochReturnType = {
  epoch: bigint;
  equal: boolean;
  computedRoot: Hex | null;
  computedTotal: bigint;
  /** The root on chain for this epoch: the accepted one, else the pending one. */
  onChainRoot: Hex | null;
  onChainTotal: bigint | null;
  status: "accepted" | "pending" | "none";
  /** One sentence. */
  reason: string;
  computation: EpochComputation;
};

/** Recomputes an epoch from public data and compares it with the root the distributor holds for it. */
export async function verifyEpoch(parameters: VerifyEpochParameters): Promise<VerifyEpochReturnType> {
  const { pipeline, client, epoch } = parameters;
  const computation = await pipeline.computeEpoch({ epoch });
  const state = await getDistributorState(client);
  const onChain =
    state.current?.epoch === epoch
      ? { ...state.current, status: "accepted" as const }
      : state.pending?.epoch === epoch
        ? { ...state.pending, status: "pending" as const }
        : null;
  const computedRoot = computation.tree.root;
  const base = { epoch, computedRoot, computedTotal: computation.tree.total, computation };
  if (!onChain) {
    return {
      ...base,
      equal: false,
      onChainRoot: null,
      onChainTotal: null,
      status: "none",
      reason: `No accepted or pending root on chain names epoch ${epoch}.`,
    };
  }
  const sameRoot = computedRoot !== null && computedRoot.toLowerCase() === onChain.root.toLowerCase();
  const sameTotal = computation.tree.total === onChain.totalCumulative;
  const equal = sameRoot && sameTotal;
  return {
    ...base,
    equal,
    onChainRoot: onChain.root,
    onChainTotal: onChain.totalCumulative,
    status: onChain.status,
    reason: equal
      ? `The ${onChain.status} root ${onChain.root} equals the recomputed root.`
      : !sameRoot
        ? `The ${onChain.status} root ${onChain.root} differs from the recomputed root ${computedRoot ?? "(none)"}.`
        : `The ${onChain.status} root matches but its total ${onChain.totalCumulative} differs from the recomputed ${computation.tree.total}.`,
  };
}
