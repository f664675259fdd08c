import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { type Address, type Hex, isHex } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { type Deployment, deploymentFilePath } from "../protocol/deployment";
import {
  type DeployKhoParameters,
  DeployKhoError,
  assertDeploymentFileReplaceable,
  deployKho,
  writeDeploymentFile,
} from "./deploy-kho";
import { readParametersFile } from "./parameters-file";

type Env = Record<string, string | undefined>;

function envValue(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function envSeconds(env: Env, name: string): bigint | undefined {
  const value = envValue(env, name);
  if (value === undefined) return undefined;
  if (!/^[0-9]+$/.test(value)) throw new DeployKhoError(`${name} must be a whole number of seconds, got "${value}".`);
  return BigInt(value);
}

function relayerFromEnv(env: Env): Address | undefined {
  const explicit = envValue(env, "KHO_RELAYER_ADDRESS");
  if (explicit) return explicit as Address;
  const key = envValue(env, "KHO_RELAYER_PRIVATE_KEY");
  if (!key) return undefined;
  if (!isHex(key) || key.length !== 66) throw new DeployKhoError("KHO_RELAYER_PRIVATE_KEY must be a 32-byte hex key.");
  return privateKeyToAddress(key as Hex);
}

/** Deployment settings from the environment; each one set overrides the parameters file. */
function parametersFromEnv(env: Env): DeployKhoParameters {
  const all: DeployKhoParameters = {
    genesis: envSeconds(env, "KHO_GENESIS"),
    epochLength: envSeconds(env, "KHO_EPOCH_LENGTH"),
    batchGracePeriod: envSeconds(env, "KHO_BATCH_GRACE_PERIOD"),
    unbondingPeriod: envSeconds(env, "KHO_UNBONDING_PERIOD"),
    timelock: envSeconds(env, "KHO_REWARD_TIMELOCK"),
    admin: envValue(env, "KHO_ADMIN") as Address | undefined,
    poster: envValue(env, "KHO_POSTER") as Address | undefined,
    guardian: envValue(env, "KHO_GUARDIAN") as Address | undefined,
    relayer: relayerFromEnv(env),
  };
  return Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined));
}

export type DeployToNetworkReturnType = { file: string; deployment: Deployment };

/**
 * What `npm run deploy -- --network <name>` does: settings from KHO_DEPLOY_PARAMETERS (an Ignition
 * parameters file) overridden by KHO_* variables, then deployKho, then the deployment file at
 * KHO_DEPLOYMENT_FILE, else `deployments/<network>.json`. A file of another chain (another chain id
 * or genesis block hash) stops the deployment before any transaction is sent.
 */
export async function deployToNetwork(hre: HardhatRuntimeEnvironment, env: Env): Promise<DeployToNetworkReturnType> {
  const given = envValue(env, "KHO_DEPLOYMENT_FILE");
  const root = hre.config.paths.root;
  const file = given ? path.resolve(root, given) : deploymentFilePath(root, hre.network.name);

  const provider = hre.ethers.provider;
  const [network, genesisBlock] = await Promise.all([provider.getNetwork(), provider.getBlock(0)]);
  if (!genesisBlock?.hash) throw new DeployKhoError(`Network ${hre.network.name} returned no block 0.`);
  await assertDeploymentFileReplaceable(file, {
    chainId: Number(network.chainId),
    genesisBlockHash: genesisBlock.hash,
  });

  const parametersFile = envValue(env, "KHO_DEPLOY_PARAMETERS");
  const fromFile = parametersFile ? await readParametersFile(path.resolve(root, parametersFile)) : {};
  const { deployment } = await deployKho(hre, { ...fromFile, ...parametersFromEnv(env) });
  await writeDeploymentFile(root, deployment, { file });
  return { file, deployment };
}
