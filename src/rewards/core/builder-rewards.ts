import { proRata } from "./budget-split";
import type { ModelScore } from "./model-scores";

/** Builders' pool split ∝ U_m. Deployment count never enters, so spawning deployments earns nothing. */
export function distributeBuilderPool(
  pool: bigint,
  models: readonly ModelScore[],
  totalScore: bigint,
): Map<bigint, bigint> {
  return new Map(models.map((m) => [m.model.modelId, proRata(pool, m.score, totalScore)]));
}
