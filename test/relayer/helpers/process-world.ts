import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type Address, type Hex, keccak256 } from "viem";
import { expect } from "vitest";
import { freePort } from "../../../src/devnet/free-port";
import { type LocalChain, startLocalChain } from "../../../src/devnet/local-chain";
import { usageLedgerAbi } from "../../../src/protocol";
import { createApiKey } from "../../../src/relayer/auth/api-keys";
import { openStore } from "../../../src/relayer/store";
import {
  type KhoClient,
  addDeployment,
  createCommunity,
  createKhoClient,
  deposit,
  mint,
  registerModel,
  setModelPrice,
} from "../../../src/sdk";
import { type RelayerProcess, startRelayerProcess } from "./relayer-process";
import { type StubUpstream, startStubUpstream } from "./stub-upstream";

/** Accounts of the local chain whose keys sign as relayer replicas 0 and 1 (2, 3 and 4 have other roles). */
const REPLICA_ACCOUNTS = [1, 5] as const;

/** One relayer key holding the role, and where a relayer signing with it listens. */
export type ReplicaSlot = { address: Address; privateKey: Hex; port: number; url: string };

/**
 * What the relayer end-to-end tests share: a local chain with Kho deployed, relayer keys holding the
 * role, models served by a stub upstream (the first is "pho-vi", id 1), an API key in a fresh store,
 * and the environment a relayer needs. Each test adds its own load and kills; a test running the
 * relayer in-process reads its config from `env` (loadRelayerConfig).
 */
export type ProcessWorld = {
  chain: LocalChain;
  upstream: StubUpstream;
  dir: string;
  /** The store every relayer of the world opens (KHO_RELAYER_DB): a SQLite file or a PostgreSQL URL. */
  dbPath: string;
  /** Replica 0's URL. */
  baseUrl: string;
  apiKey: string;
  /** Replica 0's signer. */
  relayerAddress: Address;
  replicas: ReplicaSlot[];
  /** Model ids in the order of `models`. */
  modelIds: bigint[];
  /** Signs with a funded account of the local chain (0 admin, 1 relayer, 2 builder, 3 operator, 4+ free, 5 relayer replica 1). */
  clientOf(accountIndex: number): KhoClient;
  /** Replica 0's environment. */
  env: Record<string, string>;
  envOf(replica: number): Record<string, string>;
  /** Starts a relayer process for a replica (default 0) on the world's store and that replica's port. */
  start(options?: { replica?: number; env?: Record<string, string> }): Promise<RelayerProcess>;
  close(): Promise<void>;
};

export type ProcessWorldParameters = {
  /** Account index owning the API key (default 2, the builder). */
  apiKeyOwner?: number;
  /** The builder's models, all served by the stub upstream; price in token base units per call (default free). */
  models?: { name: string; price?: bigint }[];
  /** The relayer's receipt-count seal threshold (KHO_BATCH_MAX_RECEIPTS). */
  batchMaxReceipts: number;
  userIdSalt: Hex;
  /** KHO_RELAYER_DB (a PostgreSQL URL, for replicas sharing one database); default a fresh SQLite file. */
  store?: string;
  /** How many relayer keys get the role: replica 0 signs with account 1, replica 1 with account 5 (default 1). */
  replicas?: 1 | 2;
  /** Tokens minted to this account and deposited by it in FeeEscrow before any relayer starts. */
  payerDeposit?: { account: number; amount: bigint };
  /** Environment on top of the defaults, for every relayer the world starts. */
  env?: Record<string, string>;
};

export async function startProcessWorld(params: ProcessWorldParameters): Promise<ProcessWorld> {
  const upstream = await startStubUpstream();
  const chain = await startLocalChain({ deploy: {} });
  const { contracts } = chain.deployment!;
  const clientOf = (i: number) =>
    createKhoClient({
      rpcUrl: chain.rpcUrl,
      chainId: chain.chainId,
      addresses: contracts,
      account: chain.accounts[i]!.privateKey,
    });
  const admin = clientOf(0);
  const replicaKeys = REPLICA_ACCOUNTS.slice(0, params.replicas ?? 1).map((i) => chain.accounts[i]!);
  for (const key of replicaKeys) {
    const hash = await admin.wallet!.writeContract({
      address: contracts.UsageLedger,
      abi: usageLedgerAbi,
      functionName: "addRelayer",
      args: [key.address],
    });
    expect((await admin.public.waitForTransactionReceipt({ hash })).status).toBe("success");
  }

  const builder = clientOf(2);
  const { communityId } = await createCommunity(builder, {
    slug: "vi-VN/home-cooking",
    locale: "vi-VN",
    metadataURI: "ipfs://community",
  });
  const modelIds: bigint[] = [];
  for (const model of params.models ?? [{ name: "pho-vi" }]) {
    const { modelId } = await registerModel(builder, {
      name: model.name,
      locale: "vi-VN",
      communityId,
      metadataURI: "ipfs://card",
      contentHash: keccak256("0x01"),
    });
    if (model.price !== undefined) await setModelPrice(builder, { modelId, pricePerCall: model.price });
    await addDeployment(builder, { modelId, operator: chain.accounts[3]!.address, endpoint: upstream.url });
    modelIds.push(modelId);
  }
  if (params.payerDeposit) {
    const { account, amount } = params.payerDeposit;
    await mint(admin, { to: chain.accounts[account]!.address, amount });
    await deposit(clientOf(account), { amount });
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kho-process-"));
  const dbPath = params.store ?? path.join(dir, "relayer.sqlite");
  const store = await openStore(dbPath);
  const owner = chain.accounts[params.apiKeyOwner ?? 2]!.address;
  const apiKey = (await createApiKey(store, { owner, label: "process test" })).key;
  await store.close();

  const replicas: ReplicaSlot[] = [];
  for (const key of replicaKeys) {
    const port = await freePort();
    replicas.push({ address: key.address, privateKey: key.privateKey, port, url: `http://127.0.0.1:${port}` });
  }
  const envOf = (replica: number): Record<string, string> => {
    const slot = replicas[replica];
    if (!slot) throw new Error(`replica ${replica} does not exist: the world has ${replicas.length}`);
    return {
      KHO_RPC_URL: chain.rpcUrl,
      KHO_CHAIN_ID: String(chain.chainId),
      KHO_USAGE_LEDGER_ADDRESS: contracts.UsageLedger,
      KHO_MODEL_REGISTRY_ADDRESS: contracts.ModelRegistry,
      KHO_FEE_ESCROW_ADDRESS: contracts.FeeEscrow,
      KHO_RELAYER_PRIVATE_KEY: slot.privateKey,
      KHO_RELAYER_DB: dbPath,
      KHO_RELAYER_HOST: "127.0.0.1",
      KHO_RELAYER_PORT: String(slot.port),
      KHO_RELAYER_PUBLIC_URL: slot.url,
      KHO_USER_ID_SALT: params.userIdSalt,
      KHO_BATCH_MAX_RECEIPTS: String(params.batchMaxReceipts),
      KHO_BATCH_MAX_AGE_SECONDS: "1",
      KHO_ALLOW_LOOPBACK_UPSTREAMS: "true",
      KHO_RATE_LIMIT_PER_MINUTE: "1000000",
      KHO_IP_RATE_LIMIT_PER_MINUTE: "1000000",
      KHO_SIGNER_THREADS: "1",
      // "relayer listening" is an info line: startRelayerProcess waits for it.
      KHO_LOG_LEVEL: "info",
      ...params.env,
    };
  };
  const children: RelayerProcess[] = [];
  return {
    chain,
    upstream,
    dir,
    dbPath,
    baseUrl: replicas[0]!.url,
    apiKey,
    relayerAddress: replicas[0]!.address,
    replicas,
    modelIds,
    clientOf,
    env: envOf(0),
    envOf,
    async start({ replica = 0, env = {} } = {}) {
      const child = await startRelayerProcess({ env: { ...envOf(replica), ...env }, cwd: dir });
      children.push(child);
      return child;
    },
    async close() {
      await Promise.all(children.map((c) => c.kill("SIGKILL")));
      await upstream.close();
      await chain.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
