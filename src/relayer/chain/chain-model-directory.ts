import type { Address } from "viem";
import { modelRegistryAbi } from "../../protocol";
import { RelayerError } from "../errors";
import type { ModelDeployment, ModelDirectory, RegisteredModel } from "../ports";
import { pollLogs } from "./poll-logs";
import type { RelayerChainClients } from "./viem-clients";

/** ModelRegistry.Status.Active */
const STATUS_ACTIVE = 1;

type Snapshot = {
  at: number;
  /** Set by a registry event: the next lookup reloads, but the snapshot still backs an outage. */
  invalidated: boolean;
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
  /**
   * While the chain cannot be read, the last snapshot keeps serving until it is this old (ms);
   * after that lookups answer 503 chain_unavailable. Default 600 000 (KHO_CHAIN_MAX_STALE_SECONDS).
   */
  maxStaleMs?: number;
  /** Told the timestamp of every block a snapshot was read at (the relayer's chain clock listens). */
  onBlock?: (timestamp: bigint) => void;
};

/**
 * Models and their Active deployments read from ModelRegistry. Lookups serve a snapshot that is
 * reloaded when older than the TTL, and invalidated by any registry event (polled with
 * getLogs), so a paused deployment or retired model stops receiving traffic within a
 * polling interval rather than a TTL.
 */
export function createChainModelDirectory(params: CreateChainModelDirectoryParameters): ChainModelDirectory {
  const { publicClient } = params.clients;
  const contract = { address: params.registry, abi: modelRegistryAbi } as const;
  let snapshot: Snapshot | null = null;
  let loading: Promise<Snapshot> | null = null;

  const maxStaleMs = params.maxStaleMs ?? 600_000;

  async function load(): Promise<Snapshot> {
    // One block for the whole snapshot, and its time for the clock: a receipt served from this
    // snapshot is then never dated before the block that registered its model or deployment.
    const block = await publicClient.getBlock({ blockTag: "latest" });
    params.onBlock?.(block.timestamp);
    const blockNumber = block.number;
    const count = await publicClient.readContract({ ...contract, functionName: "modelCount", blockNumber });
    const ids = Array.from({ length: Number(count) }, (_, i) => BigInt(i + 1));
    const entries = await Promise.all(
      ids.map(async (id) => {
        const [model, deploymentIds, price] = await Promise.all([
          publicClient.readContract({ ...contract, functionName: "getModel", args: [id], blockNumber }),
          publicClient.readContract({ ...contract, functionName: "liveDeployments", args: [id], blockNumber }),
          publicClient.readContract({ ...contract, functionName: "priceOf", args: [id], blockNumber }),
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
                  blockNumber,
                }),
              })),
            );
        return { id, model, deployments, price };
      }),
    );
    const next: Snapshot = {
      at: Date.now(),
      invalidated: false,
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
    if (snapshot && !snapshot.invalidated && Date.now() - snapshot.at < params.ttlMs) return snapshot;
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
    try {
      return await loading;
    } catch (error) {
      // Degraded, not dead: the last known registry serves for a bounded time while the chain is away.
      if (snapshot && Date.now() - snapshot.at < maxStaleMs) return snapshot;
      throw new RelayerError(
        "chain_unavailable",
        snapshot
          ? "The model registry has not been readable from the chain for too long; retry later."
          : "The model registry cannot be read from the chain yet; retry shortly.",
        { cause: error, retryAfterSeconds: snapshot ? 30 : 5 },
      );
    }
  }

  const unwatch =
    params.watch === false
      ? () => {}
      : pollLogs({
          client: publicClient,
          address: params.registry,
          intervalMs: 2_000,
          onLogs: () => {
            if (snapshot) snapshot.invalidated = true;
          },
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
      if (snapshot) snapshot.invalidated = true;
      await current();
    },
    close() {
      unwatch();
    },
  };
}
