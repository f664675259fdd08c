import type { ModelDeployment, ModelDirectory, RegisteredModel } from "../../../src/relayer/ports";

/** In-memory ModelDirectory: the registry state a test sets up, resolved like the chain-backed one. */
export class FakeDirectory implements ModelDirectory {
  models: RegisteredModel[] = [];
  deployments: (ModelDeployment & { active: boolean })[] = [];
  /** ModelRegistry.priceOf by model id; unset models are free. */
  prices = new Map<bigint, bigint>();

  async listActiveModels(): Promise<RegisteredModel[]> {
    return this.models.filter((m) => this.deployments.some((d) => d.modelId === m.id && d.active));
  }

  async resolveModel(ref: string): Promise<RegisteredModel | null> {
    if (/^[1-9]\d*$/.test(ref)) return this.models.find((m) => m.id === BigInt(ref)) ?? null;
    return this.models.find((m) => m.name === ref) ?? null;
  }

  async activeDeployments(modelId: bigint): Promise<ModelDeployment[]> {
    return this.deployments.filter((d) => d.modelId === modelId && d.active).map(({ active: _a, ...d }) => d);
  }

  async priceOf(modelId: bigint): Promise<bigint> {
    return this.prices.get(modelId) ?? 0n;
  }
}
