import type { Gauge } from "prom-client";

export type UnhealthyDeployment = {
  deploymentId: string;
  consecutiveFailures: number;
  /** The stable code of the last failure (e.g. upstream_connection_error, upstream_http_error). */
  lastError: string;
  /** Unix milliseconds after which one trial call is let through again. */
  retryAt: number;
};

export type DeploymentHealthOptions = {
  /** Consecutive failures that open the breaker. */
  failureThreshold?: number;
  /** How long an open breaker keeps the deployment out of rotation before one trial call. */
  cooldownMs?: number;
  now?: () => number;
  /** Set to 1 while a deployment's breaker is open (kho_relayer_deployment_unhealthy). */
  gauge?: Gauge<"deployment">;
};

type State = { failures: number; lastError: string; openUntil: number | null; trialInFlight: boolean };

/**
 * A circuit breaker per deployment. After `failureThreshold` consecutive failures (no connection, a
 * 5xx, a timeout, an answer that is not a chat completion) the deployment is skipped for
 * `cooldownMs`; then a single trial call is let through, and its success closes the breaker.
 * In memory: each relayer replica judges the deployments it calls.
 */
export class DeploymentHealth {
  private readonly states = new Map<bigint, State>();
  private readonly failureThreshold: number;
  private readonly cooldownMs: number;
  private readonly now: () => number;
  private readonly gauge: Gauge<"deployment"> | undefined;

  constructor(options: DeploymentHealthOptions = {}) {
    this.failureThreshold = options.failureThreshold ?? 2;
    this.cooldownMs = options.cooldownMs ?? 15_000;
    this.now = options.now ?? Date.now;
    this.gauge = options.gauge;
  }

  /** False while the breaker is open, and while its one trial call is still running. */
  isAvailable(deploymentId: bigint): boolean {
    const state = this.states.get(deploymentId);
    if (!state || state.openUntil === null) return true;
    return !state.trialInFlight && this.now() >= state.openUntil;
  }

  /** Marks the call about to be made; for an open breaker past its cooldown it is the trial call. */
  begin(deploymentId: bigint): void {
    const state = this.states.get(deploymentId);
    if (state?.openUntil != null && this.now() >= state.openUntil) state.trialInFlight = true;
  }

  recordSuccess(deploymentId: bigint): void {
    if (this.states.delete(deploymentId)) this.gauge?.set({ deployment: deploymentId.toString() }, 0);
  }

  recordFailure(deploymentId: bigint, code: string): void {
    const state = this.states.get(deploymentId) ?? {
      failures: 0,
      lastError: code,
      openUntil: null,
      trialInFlight: false,
    };
    state.failures += 1;
    state.lastError = code;
    state.trialInFlight = false;
    if (state.failures >= this.failureThreshold) {
      state.openUntil = this.now() + this.cooldownMs;
      this.gauge?.set({ deployment: deploymentId.toString() }, 1);
    }
    this.states.set(deploymentId, state);
  }

  /** Deployments whose breaker is open, by id. */
  unhealthy(): UnhealthyDeployment[] {
    return [...this.states.entries()]
      .filter(([, s]) => s.openUntil !== null)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([id, s]) => ({
        deploymentId: id.toString(),
        consecutiveFailures: s.failures,
        lastError: s.lastError,
        retryAt: s.openUntil!,
      }));
  }
}
