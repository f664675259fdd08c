import type { Address } from "viem";
import { modelRegistryAbi } from "../../protocol";
import type { ModelDeployment, ModelDirectory, RegisteredModel } from "../ports";
import type { RelayerChainClients } from "./viem-clients";

/** ModelRegistry.Status.Active */
const STATUS_ACTIVE = 1;

type Snapshot = {
  at: number;
  models: Map<bigint, RegisteredModel>;
  byName: Map<string, bigint>;
  deployments: Map<bigint, ModelDeployment[]>;
  prices: Map<bigint, bigint>;
};

export type ChainModelDirectory = ModelDirectory & {
  /** Forces a reload of the registry (also what the event watcher triggers). */
  refresh(): Promise<void>;
  close(): void;
};

export type CreateChainModelDirectoryParameters = {
  clients: Pick<RelayerChainClients, "publicClient">;
  registry: Address;
  /** A snapshot older than this is reloaded on the next lookup. */
  ttlMs: number;
  /** Watch registry events and invalidate the snapshot at once (default true). */
  watch?: boolean;
};

/**
 * Models and their Active deployments read from ModelRegistry. Lookups serve a snapshot that is
 * reloaded when older than the TTL, and invalidated by any registry event (polled with
 * watchContractEvent), so a paused deployment or retired model stops receiving traffic within a
 * polling interval rather than a TTL.
 */
export function createChainModelDirectory(params: CreateChainModelDirectoryParameters): ChainModelDirectory {
  const { publicClient } = params.clients;
  const contract = { address: params.registry, abi: modelRegistryAbi } as const;
  let snapshot: Snapshot | null = null;
  let loading: Promise<Snapshot> | null = null;

  async function load(): Promise<Snapshot> {
    const count = await publicClient.readContract({ ...contract, functionName: "modelCount" });
    const ids = Array.from({ length: Number(count) }, (_, i) => BigInt(i + 1));
    const entries = await Promise.all(
      ids.map(async (id) => {
        const [model, deploymentIds, price] = await Promise.all([
          publicClient.readContract({ ...contract, functionName: "getModel", args: [id] }),
          publicClient.readContract({ ...contract, functionName: "liveDeployments", args: [id] }),
          publicClient.readContract({ ...contract, functionName: "priceOf", args: [id] }),
        ]);
        const deployments = model.retired
          ? []
          : await Promise.all(
              deploymentIds.map(async (deploymentId) => ({
                deploymentId,
                d: await publicClient.readContract({
                  ...contract,
                  functionName: "getDeployment",
                  args: [deploymentId],
                }),
              })),
            );
        return { id, model, deployments, price };
      }),
    );
    const next: Snapshot = {
      at: Date.now(),
      models: new Map(),
      byName: new Map(),
      deployments: new Map(),
      prices: new Map(),
    };
    for (const { id, model, deployments, price } of entries) {
      if (model.retired) continue;
      next.prices.set(id, price);
      next.models.set(id, {
        id,
        name: model.name,
        locale: model.locale,
        communityId: model.communityId,
        builder: model.builder,
        registeredAt: model.registeredAt,
      });
      next.byName.set(model.name, id);
      next.deployments.set(
        id,
        deployments
          .filter(({ d }) => d.status === STATUS_ACTIVE)
          .map(({ deploymentId, d }) => ({
            id: deploymentId,
            modelId: id,
            operator: d.operator,
            endpoint: d.endpoint,
          })),
      );
    }
    return next;
  }

  async function current(): Promise<Snapshot> {
    if (snapshot && Date.now() - snapshot.at < params.ttlMs) return snapshot;
    if (!loading) {
      loading = load()
        .then((s) => {
          snapshot = s;
          return s;
        })
        .finally(() => {
          loading = null;
        });
    }
    return loading;
  }

  const unwatch =
    params.watch === false
      ? () => {}
      : publicClient.watchContractEvent({
          ...contract,
          poll: true,
          pollingInterval: 2_000,
          onLogs: () => {
            snapshot = null;
          },
          // A failed poll only delays invalidation; the TTL still bounds staleness.
          onError: () => {},
        });

  return {
    async listActiveModels() {
      const s = await current();
      return [...s.models.values()].filter((m) => (s.deployments.get(m.id)?.length ?? 0) > 0);
    },
    async resolveModel(ref) {
      const s = await current();
      if (/^[1-9]\d{0,77}$/.test(ref)) return s.models.get(BigInt(ref)) ?? null;
      const id = s.byName.get(ref);
      return id === undefined ? null : (s.models.get(id) ?? null);
    },
    async activeDeployments(modelId) {
      return (await current()).deployments.get(modelId) ?? [];
    },
    async priceOf(modelId) {
      // ModelPriceSet is a registry event: a new price invalidates the snapshot like any other change.
      return (await current()).prices.get(modelId) ?? 0n;
    },
    async refresh() {
      snapshot = null;
      await current();
    },
    close() {
      unwatch();
    },
  };
}
