import { proRata } from "./fixed-point";
import type { DeploymentScore } from "./model-scores";

/**
 * A model's operator share split among its deployments ∝ the weighted usage each actually served.
 * A deployment that served no eligible call has no served score and earns nothing, and splitting
 * one operator's traffic over more deployments earns the same total (up to a wei per deployment).
 */
export function distributeOperatorShare(share: bigint, deployments: readonly DeploymentScore[]): Map<bigint, bigint> {
  const served = deployments.reduce((sum, d) => sum + d.servedScore, 0n);
  return new Map(deployments.map((d) => [d.deploymentId, proRata(share, d.servedScore, served)]));
}
