import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { type Address, type Hex, keccak256, parseEther, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type LocalChain, startLocalChain } from "../../../src/devnet/local-chain";
import { communityRegistryAbi, khoTokenAbi, modelRegistryAbi, usageLedgerAbi } from "../../../src/protocol/abis";
import { receiptTypes, usageLedgerDomain } from "../../../src/protocol/eip712";
import { epochStart } from "../../../src/protocol/epoch";
import { batchTree, serializeBatchFile } from "../../../src/protocol/batch-file";
import {
  type InferenceReceipt,
  UserKind,
  ZERO_BYTES32,
  addressUserId,
  hashReceipt,
} from "../../../src/protocol/receipt";
import type { Deployment } from "../../../src/protocol/deployment";
import type { SignedReceipt } from "../../../src/protocol/receipt-json";
import {
  type KhoClient,
  addDeployment,
  addMembers,
  createCommunity,
  createKhoClient,
  linkDataset,
  mint,
  registerDataset,
  registerModel,
  stake,
  transact,
} from "../../../src/sdk";

export const EPOCH_LENGTH = 6n * 3600n;
export const GRACE = 600n;
export const TIMELOCK = 3600n;
/** Role of each Hardhat account in these tests. */
export const ROLE = {
  admin: 0,
  relayer: 1,
  rogue: 2,
  builder: 3,
  operator: 4,
  staker: 5,
  alice: 6,
  bob: 7,
  carol: 8,
} as const;

export type RewardsWorld = {
  chain: LocalChain;
  deployment: Deployment;
  client(index?: number): KhoClient;
  address(index: number): Address;
  modelId: bigint;
  deploymentId: bigint;
  communityId: bigint;
  datasetId: bigint;
  dir: string;
  epochStart(epoch: bigint): bigint;
  close(): Promise<void>;
};

export async function startRewardsWorld(): Promise<RewardsWorld> {
  const chain = await startLocalChain({
    deploy: { epochLength: EPOCH_LENGTH, batchGracePeriod: GRACE, timelock: TIMELOCK, unbondingPeriod: 60n },
  });
  const deployment = chain.deployment!;
  const client = (index?: number): KhoClient =>
    createKhoClient({
      rpcUrl: chain.rpcUrl,
      chainId: chain.chainId,
      addresses: deployment.contracts,
      account: index === undefined ? undefined : chain.accounts[index]!.privateKey,
      deploymentBlock: deployment.blockNumber,
    });
  const address = (index: number) => chain.accounts[index]!.address;

  await transact(client(ROLE.admin), {
    address: deployment.contracts.UsageLedger,
    abi: usageLedgerAbi,
    functionName: "addRelayer",
    args: [address(ROLE.relayer)],
  });
  for (const who of [ROLE.admin, ROLE.staker, ROLE.builder]) {
    await mint(client(ROLE.admin), { to: address(who), amount: parseEther("1000000") });
  }
  const builder = client(ROLE.builder);
  const { communityId } = await createCommunity(builder, {
    slug: "vi-VN/home-cooking",
    locale: "vi-VN",
    metadataURI: "ipfs://c",
  });
  await addMembers(builder, { communityId, members: [address(ROLE.alice), address(ROLE.bob)] });
  // Membership counts for rewards only in a recognized community: the steward bonds, the governor recognizes.
  const { CommunityRegistry, KhoToken, ModelRegistry } = deployment.contracts;
  const bond = deployment.communities.minBond;
  await transact(builder, {
    address: KhoToken,
    abi: khoTokenAbi,
    functionName: "approve",
    args: [CommunityRegistry, bond],
  });
  await transact(builder, {
    address: CommunityRegistry,
    abi: communityRegistryAbi,
    functionName: "postBond",
    args: [communityId, bond],
  });
  await transact(client(chain.accounts.findIndex((a) => a.address === deployment.roles.governor)), {
    address: CommunityRegistry,
    abi: communityRegistryAbi,
    functionName: "recognize",
    args: [communityId],
  });
  const { datasetId } = await registerDataset(builder, {
    communityId,
    locale: "vi-VN",
    metadataURI: "ipfs://d",
    contentHash: keccak256(toHex("recipes")),
  });
  await stake(client(ROLE.staker), { datasetId, amount: parseEther("500") });
  const { modelId } = await registerModel(builder, {
    name: "ca-kho-7b",
    locale: "vi-VN",
    communityId,
    metadataURI: "ipfs://m",
    contentHash: keccak256(toHex("weights")),
  });
  await linkDataset(builder, { modelId, datasetId });
  // The builder is also the community's steward here, so it may admit its model.
  await transact(builder, {
    address: ModelRegistry,
    abi: modelRegistryAbi,
    functionName: "admitModel",
    args: [modelId],
  });
  const { deploymentId } = await addDeployment(builder, {
    modelId,
    operator: address(ROLE.operator),
    endpoint: "http://127.0.0.1:9/v1",
  });
  const dir = await mkdtemp(path.join(tmpdir(), "kho-rewards-"));
  const clock = { genesis: deployment.epoch.genesis, length: deployment.epoch.length };
  return {
    chain,
    deployment,
    client,
    address,
    modelId,
    deploymentId,
    communityId,
    datasetId,
    dir,
    epochStart: (epoch) => epochStart(clock, epoch),
    async close() {
      await chain.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

let requestCounter = 0;

/** A receipt of `user` on the world's model at `timestamp`. */
export function makeReceipt(world: RewardsWorld, user: Address, timestamp: bigint, epoch: bigint): InferenceReceipt {
  requestCounter++;
  return {
    requestId: keccak256(toHex(`request-${requestCounter}`)),
    modelId: world.modelId,
    deploymentId: world.deploymentId,
    communityId: world.communityId,
    userId: addressUserId(user),
    userKind: UserKind.KeyOwner,
    inputHash: keccak256(toHex(`in-${requestCounter}`)),
    outputHash: keccak256(toHex(`out-${requestCounter}`)),
    timestamp,
    epoch,
    fee: 0n,
    payer: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    userAuth: ZERO_BYTES32,
    attributionHash: ZERO_BYTES32,
  };
}

export type { SignedReceipt };

export async function signReceipt(
  world: RewardsWorld,
  receipt: InferenceReceipt,
  signerIndex: number,
): Promise<SignedReceipt> {
  const account = privateKeyToAccount(world.chain.accounts[signerIndex]!.privateKey);
  const domain = { chainId: world.chain.chainId, ledger: world.deployment.contracts.UsageLedger };
  const signature = await account.signTypedData({
    domain: usageLedgerDomain(domain.chainId, domain.ledger),
    types: receiptTypes,
    primaryType: "InferenceReceipt",
    message: receipt,
  });
  return { receipt, hash: hashReceipt(receipt, domain), signature };
}

/** Batch file bytes in the relayer's format (docs/protocol.md). */
export function batchFileBytes(
  world: RewardsWorld,
  relayer: Address,
  batchId: bigint,
  epoch: bigint,
  receipts: readonly SignedReceipt[],
): { bytes: Uint8Array; root: Hex } {
  const root = batchTree(receipts.map((r) => r.hash)).root;
  const { bytes } = serializeBatchFile({
    chainId: world.chain.chainId,
    ledger: world.deployment.contracts.UsageLedger,
    relayer,
    batchId,
    epoch,
    root,
    receipts,
  });
  return { bytes, root };
}

/** Writes a batch file to the temp dir and commits it with `submitBatch` from the relayer's key. */
export async function submitBatchFile(
  world: RewardsWorld,
  options: {
    relayerIndex: number;
    batchId: bigint;
    epoch: bigint;
    receipts: readonly SignedReceipt[];
    /** Commits this root instead of the file's (a dishonest relayer). */
    root?: Hex;
  },
): Promise<{ file: string; uri: string; bytes: Uint8Array }> {
  const relayer = world.address(options.relayerIndex);
  const { bytes, root } = batchFileBytes(world, relayer, options.batchId, options.epoch, options.receipts);
  const file = path.join(world.dir, `batch-${relayer}-${options.batchId}.json`);
  await writeFile(file, bytes);
  const uri = pathToFileURL(file).href;
  await transact(world.client(options.relayerIndex), {
    address: world.deployment.contracts.UsageLedger,
    abi: usageLedgerAbi,
    functionName: "submitBatch",
    args: [options.epoch, options.batchId, options.root ?? root, options.receipts.length, uri, keccak256(bytes)],
  });
  return { file, uri, bytes };
}
