import { BPS } from "./fixed-point";
import type { RewardParams } from "./params";

export type RewardPools = { builders: bigint; operators: bigint; stakers: bigint };

/** Builders and operators get floor(budget × bps); stakers take the rest, so the pools sum to the budget. */
export function splitBudget(
  budget: bigint,
  params: Pick<RewardParams, "builderShareBps" | "operatorShareBps">,
): RewardPools {
  const builders = (budget * BigInt(params.builderShareBps)) / BPS;
  const operators = (budget * BigInt(params.operatorShareBps)) / BPS;
  return { builders, operators, stakers: budget - builders - operators };
}

/** floor(pool × weight / totalWeight): every payout is a floor, the leftovers become dust. */
export function proRata(pool: bigint, weight: bigint, totalWeight: bigint): bigint {
  if (totalWeight <= 0n) return 0n;
  return (pool * weight) / totalWeight;
}
