import { readFile } from "node:fs/promises";
import path from "node:path";
import { getAddress, isAddress } from "viem";
import { z } from "zod";
import { describeZodIssue } from "./zod-issue";
import { KhoError } from "./errors";

/**
 * The deployment addresses file written by scripts/deploy.ts (`deployments/<network>.json`) and by
 * `kho dev` (`deployments/<chainId>.json`). Every integer that may exceed 2^53 is a decimal string on
 * disk and a bigint once parsed.
 */

const addressSchema = z
  .string()
  .refine((value) => isAddress(value, { strict: false }), { message: "must be a 20-byte hex address" })
  .transform((value) => getAddress(value));

const uintSchema = z
  .string()
  .regex(/^(0|[1-9][0-9]*)$/, { message: "must be a non-negative integer as a decimal string" })
  .transform((value) => BigInt(value));

export const deploymentContractsSchema = z.object({
  KhoToken: addressSchema,
  CommunityRegistry: addressSchema,
  DatasetStaking: addressSchema,
  ModelRegistry: addressSchema,
  UsageLedger: addressSchema,
  RewardDistributor: addressSchema,
  FeeEscrow: addressSchema,
});

export const deploymentSchema = z.object({
  version: z.literal(1),
  chainId: z.number().int().positive(),
  /** Hardhat network name the deployment was made through (absent in files written before it was recorded). */
  network: z.string().min(1).optional(),
  /**
   * Hash of the chain's block 0: two chains can share a chain id (a fork, a restarted dev node, a
   * misconfigured testnet), never a genesis block, so this tells them apart.
   */
  genesisBlockHash: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, { message: "must be a 32-byte hex hash" })
    .transform((value) => value.toLowerCase())
    .optional(),
  /** ISO-8601 time the file was written. */
  deployedAt: z.iso.datetime(),
  /** First block that can hold a Kho deployment transaction: indexers start reading events here. */
  blockNumber: uintSchema,
  deployer: addressSchema,
  contracts: deploymentContractsSchema,
  epoch: z.object({ genesis: uintSchema, length: uintSchema, batchGracePeriod: uintSchema }),
  staking: z.object({ unbondingPeriod: uintSchema }),
  rewards: z.object({ timelock: uintSchema }),
  /** FeeEscrow parameters: seconds, seconds and basis points (the protocol fee is the deploy-time value). */
  escrow: z.object({ thawPeriod: uintSchema, settlementWindow: uintSchema, protocolFeeBps: uintSchema }),
  /** CommunityRegistry's minimum recognition bond, in token units. */
  communities: z.object({ minBond: uintSchema }),
  roles: z.object({
    admin: addressSchema,
    relayer: addressSchema.nullable(),
    poster: addressSchema,
    guardian: addressSchema,
    /** CommunityRegistry's GOVERNOR_ROLE holder at deployment. */
    governor: addressSchema,
  }),
});

/** A parsed deployment file: addresses checksummed, integers as bigint. */
export type Deployment = z.output<typeof deploymentSchema>;
export type DeploymentContractName = keyof Deployment["contracts"];
/** The JSON shape on disk. */
export type DeploymentJson = z.input<typeof deploymentSchema>;

export type ParseDeploymentParameters = unknown;
export type ParseDeploymentReturnType = Deployment;

export class DeploymentFileError extends KhoError {
  override name = "DeploymentFileError";
  readonly code = "deployment_file_invalid";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Validates a deployment file's JSON; throws DeploymentFileError naming the first bad field. */
export function parseDeployment(json: ParseDeploymentParameters): ParseDeploymentReturnType {
  const result = deploymentSchema.safeParse(json);
  if (!result.success) {
    throw new DeploymentFileError(`Invalid deployment file: ${describeZodIssue(result.error)}.`, {
      cause: result.error,
    });
  }
  return result.data;
}

/** The JSON form of a deployment (inverse of parseDeployment). */
export function serializeDeployment(deployment: Deployment): DeploymentJson {
  const str = (value: bigint): string => value.toString(10);
  return {
    version: deployment.version,
    chainId: deployment.chainId,
    ...(deployment.network !== undefined ? { network: deployment.network } : {}),
    ...(deployment.genesisBlockHash !== undefined ? { genesisBlockHash: deployment.genesisBlockHash } : {}),
    deployedAt: deployment.deployedAt,
    blockNumber: str(deployment.blockNumber),
    deployer: deployment.deployer,
    contracts: { ...deployment.contracts },
    epoch: {
      genesis: str(deployment.epoch.genesis),
      length: str(deployment.epoch.length),
      batchGracePeriod: str(deployment.epoch.batchGracePeriod),
    },
    staking: { unbondingPeriod: str(deployment.staking.unbondingPeriod) },
    rewards: { timelock: str(deployment.rewards.timelock) },
    escrow: {
      thawPeriod: str(deployment.escrow.thawPeriod),
      settlementWindow: str(deployment.escrow.settlementWindow),
      protocolFeeBps: str(deployment.escrow.protocolFeeBps),
    },
    communities: { minBond: str(deployment.communities.minBond) },
    roles: { ...deployment.roles },
  };
}

/**
 * `deployments/<name>.json` under `rootDir`. scripts/deploy.ts names the file after the Hardhat
 * network (`deployments/sepolia.json`); `kho dev` and the CLI's default use the chain id
 * (`deployments/31337.json`). KHO_DEPLOYMENT_FILE overrides both.
 */
export function deploymentFilePath(rootDir: string, name: number | string): string {
  if (typeof name === "string" && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new DeploymentFileError(`"${name}" cannot name a deployment file: use letters, digits, ".", "_" and "-".`);
  }
  return path.join(rootDir, "deployments", `${name}.json`);
}

export type LoadDeploymentParameters = { file: string };

/** Reads and validates a deployment file. */
export async function loadDeployment({ file }: LoadDeploymentParameters): Promise<Deployment> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (cause) {
    throw new DeploymentFileError(`Cannot read deployment file ${file}.`, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new DeploymentFileError(`Deployment file ${file} is not valid JSON.`, { cause });
  }
  return parseDeployment(json);
}
