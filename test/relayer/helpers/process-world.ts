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
  registerModel,
  setModelPrice,
} from "../../../src/sdk";
import { type RelayerProcess, startRelayerProcess } from "./relayer-process";
import { type StubUpstream, startStubUpstream } from "./stub-upstream";

/**
 * What the relayer-process tests share: a local chain with Kho deployed, a relayer key holding the
 * role, one model ("pho-vi") served by a stub upstream, an API key in a fresh SQLite store, and the
 * environment a relayer process needs. Each test adds its own load and kills.
 */
export type ProcessWorld = {
  chain: LocalChain;
  upstream: StubUpstream;
  dir: string;
  dbPath: string;
  baseUrl: string;
  apiKey: string;
  relayerAddress: Address;
  modelId: bigint;
  /** Signs with a funded account of the local chain (0 admin, 1 relayer, 2 builder, 3 operator, 4+ free). */
  clientOf(accountIndex: number): KhoClient;
  env: Record<string, string>;
  /** Starts a relayer process on the world's store and port (extra env on top). */
  start(extra?: Record<string, string>): Promise<RelayerProcess>;
  close(): Promise<void>;
};

export type ProcessWorldParameters = {
  /** Account index owning the API key (default 2, the builder). */
  apiKeyOwner?: number;
  /** Token base units per call (default free). */
  price?: bigint;
  /** The relayer's receipt-count seal threshold (KHO_BATCH_MAX_RECEIPTS). */
  batchMaxReceipts: number;
  userIdSalt: Hex;
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
  const relayerKey = chain.accounts[1]!;
  const admin = clientOf(0);
  const hash = await admin.wallet!.writeContract({
    address: contracts.UsageLedger,
    abi: usageLedgerAbi,
    functionName: "addRelayer",
    args: [relayerKey.address],
  });
  expect((await admin.public.waitForTransactionReceipt({ hash })).status).toBe("success");

  const builder = clientOf(2);
  const { communityId } = await createCommunity(builder, {
    slug: "vi-VN/home-cooking",
    locale: "vi-VN",
    metadataURI: "ipfs://community",
  });
  const { modelId } = await registerModel(builder, {
    name: "pho-vi",
    locale: "vi-VN",
    communityId,
    metadataURI: "ipfs://card",
    contentHash: keccak256("0x01"),
  });
  if (params.price !== undefined) await setModelPrice(builder, { modelId, pricePerCall: params.price });
  await addDeployment(builder, { modelId, operator: chain.accounts[3]!.address, endpoint: upstream.url });

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kho-process-"));
  const dbPath = path.join(dir, "relayer.sqlite");
  const store = await openStore(dbPath);
  const owner = chain.accounts[params.apiKeyOwner ?? 2]!.address;
  const apiKey = (await createApiKey(store, { owner, label: "process test" })).key;
  await store.close();

  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env = {
    KHO_RPC_URL: chain.rpcUrl,
    KHO_CHAIN_ID: String(chain.chainId),
    KHO_USAGE_LEDGER_ADDRESS: contracts.UsageLedger,
    KHO_MODEL_REGISTRY_ADDRESS: contracts.ModelRegistry,
    KHO_FEE_ESCROW_ADDRESS: contracts.FeeEscrow,
    KHO_RELAYER_PRIVATE_KEY: relayerKey.privateKey,
    KHO_RELAYER_DB: dbPath,
    KHO_RELAYER_HOST: "127.0.0.1",
    KHO_RELAYER_PORT: String(port),
    KHO_RELAYER_PUBLIC_URL: baseUrl,
    KHO_USER_ID_SALT: params.userIdSalt,
    KHO_BATCH_MAX_RECEIPTS: String(params.batchMaxReceipts),
    KHO_BATCH_MAX_AGE_SECONDS: "1",
    KHO_ALLOW_LOOPBACK_UPSTREAMS: "true",
    KHO_RATE_LIMIT_PER_MINUTE: "1000000",
    KHO_IP_RATE_LIMIT_PER_MINUTE: "1000000",
    KHO_SIGNER_THREADS: "1",
    // "relayer listening" is an info line: startRelayerProcess waits for it.
    KHO_LOG_LEVEL: "info",
  };
  const children: RelayerProcess[] = [];
  return {
    chain,
    upstream,
    dir,
    dbPath,
    baseUrl,
    apiKey,
    relayerAddress: relayerKey.address,
    modelId,
    clientOf,
    env,
    async start(extra = {}) {
      const child = await startRelayerProcess({ env: { ...env, ...extra }, cwd: dir });
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
