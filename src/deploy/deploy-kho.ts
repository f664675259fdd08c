import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
// Brings in the hre.ethers / hre.ignition type augmentations when compiled outside Hardhat.
import type {} from "@nomicfoundation/hardhat-toolbox";
import { type Address, getAddress, isAddress } from "viem";
import KhoModule, { KHO_MODULE_DEFAULTS, KhoWithRelayerModule } from "../../ignition/modules/Kho";
import { type Deployment, deploymentFilePath, parseDeployment, serializeDeployment } from "../protocol/deployment";
import { KhoError } from "../protocol/errors";

const HOUR = 3600n;
/** Chains whose node state is thrown away on restart, so a stale Ignition journal must be too. */
const EPHEMERAL_CHAIN_IDS = new Set([31337, 1337]);

export type DeployKhoParameters = {
  /** Admin of every contract and owner of KhoToken (default: the deployer). */
  admin?: Address;
  /** RewardDistributor poster (default: the deployer). */
  poster?: Address;
  /** RewardDistributor guardian (default: the deployer). */
  guardian?: Address;
  /** CommunityRegistry governor: recognizes communities and slashes bonds (default: the deployer). */
  governor?: Address;
  /** Relayer key to authorize on the UsageLedger; needs admin = deployer. */
  relayer?: Address;
  /** Epoch 0 start in unix seconds (default: the latest block's timestamp rounded down to the hour). */
  genesis?: bigint;
  /** Seconds per epoch (default 7 days). */
  epochLength?: bigint;
  /** Seconds after an epoch ends during which its batches are still accepted (default 1 hour). */
  batchGracePeriod?: bigint;
  /** DatasetStaking unbonding period in seconds (default 7 days). */
  unbondingPeriod?: bigint;
  /** RewardDistributor root timelock in seconds (default 1 day). */
  timelock?: bigint;
  /** Smallest community bond that can be recognized, in token units (default 1 000 KHO). */
  minBond?: bigint;
  /** Seconds after a batch's epoch closes by which the relayer settles it (default 1 day). */
  settlementWindow?: bigint;
  /** FeeEscrow thaw period in seconds (default and minimum: epochLength + batchGracePeriod + settlementWindow). */
  thawPeriod?: bigint;
  /** Protocol share of settled fees in basis points, 0..10 000 (default 1 000 = 10%). */
  protocolFeeBps?: bigint;
  /**
   * Ignition deployment id (default `<network>-<chainId>-<first 8 hex digits of the genesis block hash>`,
   * so a second chain with the same chain id never resumes the first chain's journal); ignored on the
   * in-process hardhat network, where Ignition keeps no journal.
   */
  deploymentId?: string;
  /**
   * Deletes the Ignition journal first so everything is deployed afresh. Defaults to true on local
   * chains (31337, 1337), whose state does not survive a node restart, and false elsewhere, where
   * the journal lets an interrupted deployment resume.
   */
  reset?: boolean;
};

export type DeployKhoReturnType = {
  deployment: Deployment;
  contracts: Awaited<ReturnType<typeof deployModule>>;
};

export class DeployKhoError extends KhoError {
  override name = "DeployKhoError";
  readonly code = "deploy_failed";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
export type DeployKhoErrorType = DeployKhoError;

function checkAddress(name: string, value: Address | undefined): Address | undefined {
  if (value === undefined) return undefined;
  if (!isAddress(value, { strict: false })) throw new DeployKhoError(`${name} must be an address, got "${value}".`);
  return getAddress(value);
}

function checkSeconds(name: string, value: bigint, min: bigint, max: bigint): bigint {
  if (value < min || value > max) throw new DeployKhoError(`${name} must be between ${min} and ${max} seconds.`);
  return value;
}

async function deployModule(hre: HardhatRuntimeEnvironment, relayer: Address | undefined, options: object) {
  if (relayer === undefined) return hre.ignition.deploy(KhoModule, options);
  return hre.ignition.deploy(KhoWithRelayerModule, options);
}

/**
 * Deploys the protocol through the Ignition module (so tests, the dev chain, the demo and real
 * networks deploy the same way) and returns the deployment description for the deployment file.
 */
export async function deployKho(
  hre: HardhatRuntimeEnvironment,
  parameters: DeployKhoParameters = {},
): Promise<DeployKhoReturnType> {
  const [deployerSigner] = await hre.ethers.getSigners();
  if (!deployerSigner) throw new DeployKhoError(`Network ${hre.network.name} has no account to deploy from.`);
  const deployer = getAddress(deployerSigner.address);
  const admin = checkAddress("admin", parameters.admin) ?? deployer;
  const poster = checkAddress("poster", parameters.poster) ?? deployer;
  const guardian = checkAddress("guardian", parameters.guardian) ?? deployer;
  const governor = checkAddress("governor", parameters.governor) ?? deployer;
  const relayer = checkAddress("relayer", parameters.relayer);
  if (relayer !== undefined && admin !== deployer) {
    throw new DeployKhoError(`Only the admin can add a relayer: deploy with admin = deployer or add ${relayer} later.`);
  }

  const provider = hre.ethers.provider;
  const latest = await provider.getBlock("latest");
  if (!latest) throw new DeployKhoError("The node returned no latest block.");
  const genesis = parameters.genesis ?? (BigInt(latest.timestamp) / HOUR) * HOUR;
  if (genesis <= 0n) throw new DeployKhoError("genesis must be a positive unix time.");
  const epochLength = checkSeconds(
    "epochLength",
    parameters.epochLength ?? BigInt(KHO_MODULE_DEFAULTS.epochLength),
    1n,
    365n * 24n * HOUR,
  );
  const batchGracePeriod = checkSeconds(
    "batchGracePeriod",
    parameters.batchGracePeriod ?? BigInt(KHO_MODULE_DEFAULTS.batchGracePeriod),
    0n,
    epochLength,
  );
  const unbondingPeriod = checkSeconds(
    "unbondingPeriod",
    parameters.unbondingPeriod ?? BigInt(KHO_MODULE_DEFAULTS.unbondingPeriod),
    0n,
    2n ** 64n - 1n,
  );
  const timelock = checkSeconds(
    "timelock",
    parameters.timelock ?? BigInt(KHO_MODULE_DEFAULTS.timelock),
    0n,
    30n * 24n * HOUR,
  );
  const minBond = parameters.minBond ?? KHO_MODULE_DEFAULTS.minBond;
  if (minBond < 0n) throw new DeployKhoError("minBond must not be negative.");
  const settlementWindow = checkSeconds(
    "settlementWindow",
    parameters.settlementWindow ?? BigInt(KHO_MODULE_DEFAULTS.settlementWindow),
    0n,
    365n * 24n * HOUR,
  );
  const minThawPeriod = epochLength + batchGracePeriod + settlementWindow;
  const thawPeriod = checkSeconds("thawPeriod", parameters.thawPeriod ?? minThawPeriod, minThawPeriod, 2n ** 64n - 1n);
  const protocolFeeBps = parameters.protocolFeeBps ?? BigInt(KHO_MODULE_DEFAULTS.protocolFeeBps);
  if (protocolFeeBps < 0n || protocolFeeBps > 10_000n) {
    throw new DeployKhoError(`protocolFeeBps must be between 0 and 10000, got ${protocolFeeBps}.`);
  }

  const chainId = Number((await provider.getNetwork()).chainId);
  const genesisBlock = await provider.getBlock(0);
  if (!genesisBlock?.hash) throw new DeployKhoError("The node returned no block 0.");
  const genesisBlockHash = genesisBlock.hash.toLowerCase();
  const deploymentId = parameters.deploymentId ?? `${hre.network.name}-${chainId}-${genesisBlockHash.slice(2, 10)}`;
  const reset = parameters.reset ?? EPHEMERAL_CHAIN_IDS.has(chainId);
  if (reset && hre.network.name !== "hardhat") {
    await rm(path.join(hre.config.paths.ignition, "deployments", deploymentId), { recursive: true, force: true });
  }

  const moduleParameters = {
    Kho: {
      admin,
      poster,
      guardian,
      governor,
      genesis,
      epochLength,
      batchGracePeriod,
      unbondingPeriod,
      timelock,
      minBond,
      settlementWindow,
      thawPeriod,
      protocolFeeBps,
    },
    ...(relayer !== undefined ? { KhoWithRelayer: { relayer } } : {}),
  };
  let contracts: Awaited<ReturnType<typeof deployModule>>;
  try {
    contracts = await deployModule(hre, relayer, {
      parameters: moduleParameters,
      deploymentId,
      displayUi: false,
    });
  } catch (cause) {
    throw new DeployKhoError(`Ignition deployment on ${hre.network.name} failed.`, { cause });
  }

  const deployment = parseDeployment(
    serializeDeployment({
      version: 1,
      chainId,
      network: hre.network.name,
      genesisBlockHash,
      deployedAt: new Date().toISOString(),
      // The first block that can hold a Kho transaction: indexers read events from here.
      blockNumber: BigInt(latest.number) + 1n,
      deployer,
      contracts: {
        KhoToken: getAddress(await contracts.token.getAddress()),
        CommunityRegistry: getAddress(await contracts.communities.getAddress()),
        DatasetStaking: getAddress(await contracts.staking.getAddress()),
        ModelRegistry: getAddress(await contracts.models.getAddress()),
        UsageLedger: getAddress(await contracts.ledger.getAddress()),
        RewardDistributor: getAddress(await contracts.distributor.getAddress()),
        FeeEscrow: getAddress(await contracts.escrow.getAddress()),
      },
      epoch: { genesis, length: epochLength, batchGracePeriod },
      staking: { unbondingPeriod },
      rewards: { timelock },
      escrow: { thawPeriod, settlementWindow, protocolFeeBps },
      communities: { minBond },
      roles: { admin, relayer: relayer ?? null, poster, guardian, governor },
    }),
  );
  return { deployment, contracts };
}

export type WriteDeploymentFileOptions = {
  /** Where to write (default `deployments/<chainId>.json` under `rootDir`). */
  file?: string;
  /**
   * Replace a file that describes another chain. Only for chains thrown away on restart (`kho dev`):
   * elsewhere such a file holds the addresses of a live deployment.
   */
  replaceOtherChain?: boolean;
};

type ChainIdentity = { chainId: number; genesisBlockHash?: string | undefined };

/** The chain a deployment file describes, for messages. */
function chainLabel(chain: ChainIdentity): string {
  return chain.genesisBlockHash
    ? `chain ${chain.chainId} (genesis block ${chain.genesisBlockHash})`
    : `chain ${chain.chainId}`;
}

/**
 * Throws unless `file` is absent or describes the same chain (same chain id and genesis block hash),
 * so a deployment file of another chain, even one with the same chain id, is never replaced. Called
 * before deploying too, so a refused file costs no gas.
 */
export async function assertDeploymentFileReplaceable(file: string, chain: ChainIdentity): Promise<void> {
  let existingText: string;
  try {
    existingText = await readFile(file, "utf8");
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ENOENT") return;
    throw new DeployKhoError(`Cannot read the existing deployment file ${file}.`, { cause });
  }
  let existing: Deployment;
  try {
    existing = parseDeployment(JSON.parse(existingText));
  } catch (cause) {
    throw new DeployKhoError(`${file} exists but is not a Kho deployment file; move it away first.`, { cause });
  }
  const sameChain =
    existing.chainId === chain.chainId &&
    existing.genesisBlockHash !== undefined &&
    existing.genesisBlockHash === chain.genesisBlockHash?.toLowerCase();
  if (!sameChain) {
    throw new DeployKhoError(
      `${file} holds the deployment on ${chainLabel(existing)}, not ${chainLabel(chain)}: move it away or set KHO_DEPLOYMENT_FILE to another file.`,
    );
  }
}

/**
 * Writes the deployment file and returns its path. An existing file is replaced only when it
 * describes the same chain (a redeployment), unless `replaceOtherChain`.
 */
export async function writeDeploymentFile(
  rootDir: string,
  deployment: Deployment,
  options: WriteDeploymentFileOptions = {},
): Promise<string> {
  const file = options.file ?? deploymentFilePath(rootDir, deployment.chainId);
  if (!options.replaceOtherChain) await assertDeploymentFileReplaceable(file, deployment);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(serializeDeployment(deployment), null, 2)}\n`);
  return file;
}
