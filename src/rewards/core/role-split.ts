import { BPS } from "./fixed-point";
import type { RewardParams } from "./params";

export type RoleShares = { builder: bigint; operators: bigint; stakers: bigint };

/**
 * A model's reward split among its roles: builder and operators get floor(reward × bps), stakers
 * the rest, so the three always sum to the model's reward. Deployment count never enters.
 */
export function splitModelReward(
  reward: bigint,
  params: Pick<RewardParams, "builderShareBps" | "operatorShareBps">,
): RoleShares {
  const builder = (reward * BigInt(params.builderShareBps)) / BPS;
  const operators = (reward * BigInt(params.operatorShareBps)) / BPS;
  return { builder, operators, stakers: reward - builder - operators };
}
