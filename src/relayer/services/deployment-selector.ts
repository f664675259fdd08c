import type { ModelDeployment } from "../ports";

/**
 * Orders a model's Active deployments for one call: round-robin over operators first, then over
 * each operator's deployments. A builder who adds deployments under one operator gets that
 * operator's turn and no more, so other operators are not starved. Deployments the circuit breaker
 * has open go last (tried only when every other one failed). The rotation counters are in memory:
 * spreading load needs no coordination, and starting over after a restart is harmless.
 */
export class DeploymentSelector {
  private readonly operatorCursor = new Map<bigint, number>();
  private readonly deploymentCursor = new Map<string, number>();

  order(
    modelId: bigint,
    deployments: readonly ModelDeployment[],
    isAvailable: (deployment: ModelDeployment) => boolean = () => true,
  ): ModelDeployment[] {
    const byOperator = new Map<string, ModelDeployment[]>();
    for (const d of [...deployments].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
      const key = d.operator.toLowerCase();
      byOperator.set(key, [...(byOperator.get(key) ?? []), d]);
    }
    const operators = [...byOperator.keys()].sort();
    if (operators.length === 0) return [];
    const first = this.advance(this.operatorCursor, modelId, operators.length);
    // Each operator's own deployments, rotated; then interleaved so a failover tries another operator next.
    const queues = operators
      .map((_, i) => operators[(first + i) % operators.length]!)
      .map((operator, i) => {
        const own = byOperator.get(operator)!;
        // Only the operator whose turn it is moves on to its next deployment; the others are fallbacks.
        const key = `${modelId}:${operator}`;
        const start = i === 0 ? this.advance(this.deploymentCursor, key, own.length) : this.peek(key, own.length);
        return own.map((_, i) => own[(start + i) % own.length]!);
      });
    const ordered: ModelDeployment[] = [];
    for (let round = 0; ordered.length < deployments.length; round++) {
      for (const queue of queues) if (round < queue.length) ordered.push(queue[round]!);
    }
    return [...ordered.filter(isAvailable), ...ordered.filter((d) => !isAvailable(d))];
  }

  private peek(key: string, size: number): number {
    return (this.deploymentCursor.get(key) ?? 0) % size;
  }

  private advance<K>(cursors: Map<K, number>, key: K, size: number): number {
    const i = (cursors.get(key) ?? 0) % size;
    cursors.set(key, i + 1);
    return i;
  }
}
