/**
 * Deploys Kho through Ignition and writes the deployment file:
 *
 *   npm run deploy -- --network <localhost|remote|sepolia|base-sepolia|optimism-sepolia|arbitrum-sepolia>
 *
 * Settings: KHO_DEPLOY_PARAMETERS (an Ignition parameters file, see ignition/parameters.example.json)
 * overridden by KHO_GENESIS, KHO_EPOCH_LENGTH, KHO_BATCH_GRACE_PERIOD, KHO_UNBONDING_PERIOD,
 * KHO_REWARD_TIMELOCK, KHO_ADMIN, KHO_POSTER, KHO_GUARDIAN, KHO_RELAYER_ADDRESS (or the address of
 * KHO_RELAYER_PRIVATE_KEY). Output: KHO_DEPLOYMENT_FILE, else deployments/<network>.json.
 * docs/deploy.md walks a testnet deployment end to end.
 */
import hre from "hardhat";
import { deployToNetwork } from "../src/deploy/deploy-network";

async function main(): Promise<void> {
  const { file, deployment } = await deployToNetwork(hre, process.env);
  console.log(`Kho deployed on ${hre.network.name} (chain ${deployment.chainId}); addresses written to ${file}`);
  for (const [name, address] of Object.entries(deployment.contracts)) console.log(`  ${name.padEnd(18)} ${address}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  if (error instanceof Error && error.cause) console.error(error.cause);
  process.exitCode = 1;
});
