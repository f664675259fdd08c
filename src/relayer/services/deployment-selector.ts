import type { ModelDeployment } from "../ports";

/**
 * Round-robin over a model's Active deployments, by deployment id order. The rotation counter is
 * per model and in memory: spreading load evenly needs no coordination, and after a restart
 * starting again from the first deployment is harmless.
 */
export class DeploymentSelector {
  private readonly cursor = new Map<bigint, number>();

  pick(modelId: bigint, deployments: readonly ModelDeployment[]): ModelDeployment | null {
    if (deployments.length === 0) return null;
    const sorted = [...deployments].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const i = this.cursor.get(modelId) ?? 0;
    this.cursor.set(modelId, (i + 1) % sorted.length);
    return sorted[i % sorted.length]!;
  }
}
