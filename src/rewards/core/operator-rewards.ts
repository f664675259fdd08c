import { proRata } from "./budget-split";
import type { ModelScore } from "./model-scores";

export type OperatorPayout = { modelId: bigint; deploymentId: bigint; amount: bigint };

/**
 * Operators' pool split per model ∝ U_m, then among the model's deployments ∝ the weighted usage
 * each actually served. A deployment that served no calls has no served score and earns nothing.
 */
export function distributeOperatorPool(
  pool: bigint,
  models: readonly ModelScore[],
  totalScore: bigint,
): { modelShares: Map<bigint, bigint>; payouts: OperatorPayout[] } {
  const modelShares = new Map<bigint, bigint>();
  const payouts: OperatorPayout[] = [];
  for (const m of models) {
    const share = proRata(pool, m.score, totalScore);
    modelShares.set(m.model.modelId, share);
    const served = m.deployments.reduce((sum, d) => sum + d.servedScore, 0n);
    for (const d of m.deployments) {
      payouts.push({
        modelId: m.model.modelId,
        deploymentId: d.deploymentId,
        amount: proRata(share, d.servedScore, served),
      });
    }
  }
  return { modelShares, payouts };
}
