/**
 * Deploys Kho and writes deployments/<chainId>.json.
 *
 *   npx hardhat run scripts/deploy.ts --network <localhost|remote>
 *
 * Settings come from the environment (or .env), all optional:
 *   KHO_GENESIS (unix seconds; default: latest block time rounded down to the hour),
 *   KHO_EPOCH_LENGTH (default 604800), KHO_BATCH_GRACE_PERIOD (3600), KHO_UNBONDING_PERIOD (604800),
 *   KHO_REWARD_TIMELOCK (86400), KHO_ADMIN / KHO_POSTER / KHO_GUARDIAN (default: the deployer),
 *   KHO_RELAYER_ADDRESS (or the address of KHO_RELAYER_PRIVATE_KEY) to authorize a relayer.
 */
import hre from "hardhat";
import { type Address, type Hex, isHex } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { type DeployKhoParameters, deployKho, writeDeploymentFile } from "../src/deploy/deploy-kho";

function envSeconds(name: string): bigint | undefined {
  const value = process.env[name]?.trim();
  if (!value) return undefined;
  if (!/^[0-9]+$/.test(value)) throw new Error(`${name} must be a whole number of seconds, got "${value}".`);
  return BigInt(value);
}

function envAddress(name: string): Address | undefined {
  const value = process.env[name]?.trim();
  return value ? (value as Address) : undefined;
}

function relayerFromEnv(): Address | undefined {
  const explicit = envAddress("KHO_RELAYER_ADDRESS");
  if (explicit) return explicit;
  const key = process.env.KHO_RELAYER_PRIVATE_KEY?.trim();
  if (!key) return undefined;
  if (!isHex(key) || key.length !== 66) throw new Error("KHO_RELAYER_PRIVATE_KEY must be a 32-byte hex key.");
  return privateKeyToAddress(key as Hex);
}

async function main(): Promise<void> {
  const parameters: DeployKhoParameters = {
    genesis: envSeconds("KHO_GENESIS"),
    epochLength: envSeconds("KHO_EPOCH_LENGTH"),
    batchGracePeriod: envSeconds("KHO_BATCH_GRACE_PERIOD"),
    unbondingPeriod: envSeconds("KHO_UNBONDING_PERIOD"),
    timelock: envSeconds("KHO_REWARD_TIMELOCK"),
    admin: envAddress("KHO_ADMIN"),
    poster: envAddress("KHO_POSTER"),
    guardian: envAddress("KHO_GUARDIAN"),
    relayer: relayerFromEnv(),
  };
  const { deployment } = await deployKho(hre, parameters);
  const file = await writeDeploymentFile(hre.config.paths.root, deployment);
  console.log(`Kho deployed on chain ${deployment.chainId}; addresses written to ${file}`);
  for (const [name, address] of Object.entries(deployment.contracts)) console.log(`  ${name.padEnd(18)} ${address}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  if (error instanceof Error && error.cause) console.error(error.cause);
  process.exitCode = 1;
});
