import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { type Hex, keccak256, stringToHex } from "viem";
import { startModelServer, type StartModelServerReturnType } from "../model-server";
import { deployKho, writeDeploymentFile } from "../deploy/deploy-kho";
import type { Deployment } from "../protocol/deployment";
import { type Clock, type RunningRelayer, createApiKey, openStore, startRelayer } from "../relayer";
import { freePort } from "./free-port";
import { loadHardhat } from "./hardhat-runtime";
import { type LocalChain, startLocalChain } from "./local-chain";
import { type DevRoles, GENERIC_DEPLOYMENTS, devRoles, memberWallet } from "./roles";
import {
  GENERIC_DATASET_FILE,
  GENERIC_MODEL_NAME,
  LOCAL_DATASET_FILE,
  LOCAL_MODEL_NAME,
  type SeedReturnType,
  seedDevNetwork,
} from "./seed";

export type StartDevNetworkParameters = {
  /** JSON-RPC port on 127.0.0.1 (0 = any free port). */
  chainPort?: number;
  relayerPort?: number;
  /** Ports of the local and generic model servers (0 = any free port). */
  modelPorts?: [number, number];
  /** Epoch length in seconds (default 7 days). */
  epochLength?: bigint;
  /**
   * Epoch 0 start: "past-hour" (default; the current hour, so calls can be served at once) or
   * "next-hour" (a clean epoch that starts after seeding, as the demo plays it).
   */
  genesis?: "past-hour" | "next-hour";
  /** Reward root timelock in seconds (default 1 day). */
  timelock?: bigint;
  /** Community members to attest (default 6). */
  members?: number;
  /** Where the relayer keeps its SQLite store (default: a fresh temporary directory, removed on close). */
  dataDir?: string;
  /** Writes deployments/<chainId>.json under this root so `kho` commands find the network. */
  writeDeploymentTo?: string;
  /** The relayer stamps receipts with this clock (the demo follows the chain's moved clock). */
  clock?: Clock;
  relayerLogLevel?: "info" | "warn" | "error" | "silent";
  progress?: (message: string) => void;
};

export type DevNetwork = {
  chain: LocalChain;
  deployment: Deployment;
  roles: DevRoles;
  members: ReturnType<typeof memberWallet>[];
  seed: SeedReturnType;
  /** The local model's server, serving the dataset version given last to serveLocalDataset. */
  readonly localModel: StartModelServerReturnType;
  genericModel: StartModelServerReturnType;
  relayer: RunningRelayer;
  /** API keys issued at start: one for the app developer, one for each builder. */
  apiKeys: { appDeveloper: string; localBuilder: string; genericBuilder: string };
  dataDir: string;
  /**
   * Restarts the local model server on the same port (its deployment's endpoint on chain) from
   * another version of its dataset, refusing a file that is not `pinnedContentHash`: what the
   * model pinned on chain is what it serves and cites.
   */
  serveLocalDataset(datasetPath: string, pinnedContentHash: Hex): Promise<void>;
  close(): Promise<void>;
};

const HOUR = 3600n;
const DAY = 24n * HOUR;

/**
 * The windows that follow the epoch length. The ledger requires batchGracePeriod ≤ epochLength,
 * and the escrow's thaw period (derived by deployKho) is epochLength + grace + settlement window,
 * so a short dev epoch shrinks its 1-hour grace, 1-day settlement window and 1-day root timelock
 * to at most one epoch: a whole epoch, its settlement and its claim fit in a few epochs of waiting.
 */
function shortEpochWindows(epochLength: bigint | undefined): {
  batchGracePeriod?: bigint;
  settlementWindow?: bigint;
  timelock?: bigint;
} {
  if (epochLength === undefined) return {};
  const atMostOneEpoch = (window: bigint) => (window < epochLength ? window : epochLength);
  return {
    batchGracePeriod: atMostOneEpoch(HOUR),
    settlementWindow: atMostOneEpoch(DAY),
    timelock: atMostOneEpoch(DAY),
  };
}

/**
 * A whole Kho network on this machine: a Hardhat chain on loopback JSON-RPC with every contract
 * deployed, the vi-VN home-cooking community seeded, the local and generic model servers, and a
 * relayer authorized on the UsageLedger. Everything stops with `close()`.
 */
export async function startDevNetwork(parameters: StartDevNetworkParameters = {}): Promise<DevNetwork> {
  const progress = parameters.progress ?? (() => undefined);
  const cleanups: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
  };
  try {
    progress("starting the local chain and deploying Kho");
    const chain = await startLocalChain({
      port: parameters.chainPort ?? 0,
      accounts: 20,
      deploy: false,
    });
    cleanups.push(() => chain.close());
    const roles = devRoles(chain.accounts);
    const now = await chain.latestTimestamp();
    const genesis = parameters.genesis === "next-hour" ? (now / HOUR + 1n) * HOUR : (now / HOUR) * HOUR;
    const { deployment } = await deployKho(loadHardhat(), {
      relayer: roles.relayer.address,
      genesis,
      epochLength: parameters.epochLength,
      ...shortEpochWindows(parameters.epochLength),
      timelock: parameters.timelock ?? shortEpochWindows(parameters.epochLength).timelock,
    });
    if (parameters.writeDeploymentTo) {
      // The dev chain lives in memory: a restart is a new chain whose file replaces the old one.
      await writeDeploymentFile(parameters.writeDeploymentTo, deployment, { replaceOtherChain: true });
    }

    progress("starting the local (vi-VN) and generic model servers");
    const [localPort, genericPort] = parameters.modelPorts ?? [0, 0];
    let localModel = await startModelServer({
      datasetPath: LOCAL_DATASET_FILE,
      port: localPort,
      modelName: LOCAL_MODEL_NAME,
    });
    cleanups.push(() => localModel.close());
    const genericModel = await startModelServer({
      datasetPath: GENERIC_DATASET_FILE,
      port: genericPort,
      modelName: GENERIC_MODEL_NAME,
    });
    cleanups.push(() => genericModel.close());

    const members = Array.from({ length: parameters.members ?? 6 }, (_, i) => memberWallet(i));
    const seed = await seedDevNetwork({
      rpcUrl: chain.rpcUrl,
      deployment,
      roles,
      members: members.map((m) => m.address),
      localEndpoint: localModel.url,
      genericEndpoint: genericModel.url,
      genericDeployments: GENERIC_DEPLOYMENTS,
      progress,
    });

    const dataDir = parameters.dataDir ?? mkdtempSync(path.join(os.tmpdir(), "kho-dev-"));
    if (!parameters.dataDir) cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const dbPath = path.join(dataDir, "relayer.sqlite");
    const store = await openStore(dbPath);
    const apiKeys = {
      appDeveloper: (await createApiKey(store, { owner: roles.appDeveloper.address, label: "demo app" })).key,
      localBuilder: (await createApiKey(store, { owner: roles.localBuilder.address, label: "local builder" })).key,
      genericBuilder: (await createApiKey(store, { owner: roles.genericBuilder.address, label: "generic builder" }))
        .key,
    };
    await store.close();

    progress("starting the relayer");
    // Batch data URIs embed the relayer's public URL, so the port must be known before it starts.
    const relayerPort = parameters.relayerPort || (await freePort());
    const relayer = await startRelayer(
      {
        rpcUrl: chain.rpcUrl,
        chainId: chain.chainId,
        schedule: deployment.epoch,
        contracts: {
          usageLedger: deployment.contracts.UsageLedger,
          modelRegistry: deployment.contracts.ModelRegistry,
          feeEscrow: deployment.contracts.FeeEscrow,
        },
        relayerPrivateKey: roles.relayer.privateKey,
        dbPath,
        host: "127.0.0.1",
        port: relayerPort,
        publicUrl: `http://127.0.0.1:${relayerPort}`,
        userIdSalt: keccak256(stringToHex(`kho-dev-salt:${deployment.contracts.UsageLedger}`)) as Hex,
        batch: { maxReceipts: 64, maxAgeSeconds: 5 },
        upstream: { timeoutMs: 10_000, maxResponseBytes: 1024 * 1024, allowLoopback: true },
        maxBodyBytes: 1024 * 1024,
        rateLimit: { perCallerPerMinute: 100_000, perIpPerMinute: 100_000 },
        signerThreads: Math.max(1, Math.min(2, os.availableParallelism())),
        minSignerBalanceWei: 10n ** 16n,
        modelCacheTtlSeconds: 2,
        escrowBalanceCacheMs: 1_000,
        logLevel: parameters.relayerLogLevel ?? "warn",
      },
      {
        clock: parameters.clock,
        logger: pino({ level: parameters.relayerLogLevel ?? "warn" }, pino.destination(2)),
      },
    );
    cleanups.push(() => relayer.close());

    return {
      chain,
      deployment,
      roles,
      members,
      seed,
      get localModel() {
        return localModel;
      },
      genericModel,
      relayer,
      apiKeys,
      dataDir,
      async serveLocalDataset(datasetPath, pinnedContentHash) {
        const port = Number(new URL(localModel.url).port);
        await localModel.close();
        localModel = await startModelServer({ datasetPath, port, modelName: LOCAL_MODEL_NAME, pinnedContentHash });
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
