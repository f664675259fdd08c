import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import {
  type Deployment,
  type DeploymentContractName,
  deploymentFilePath,
  loadDeployment,
} from "../protocol/deployment";
import { DeployKhoError } from "./deploy-kho";

/**
 * Each contract's constructor arguments, rebuilt from the deployment file in the order of
 * ignition/modules/Kho.ts, so verification needs neither the Ignition journal nor the deployer's machine.
 */
export function constructorArguments(d: Deployment): Record<DeploymentContractName, readonly unknown[]> {
  const c = d.contracts;
  return {
    KhoToken: [d.roles.admin],
    CommunityRegistry: [d.roles.admin, d.roles.governor, c.KhoToken, d.communities.minBond],
    DatasetStaking: [c.KhoToken, c.CommunityRegistry, d.staking.unbondingPeriod, d.roles.admin],
    ModelRegistry: [c.CommunityRegistry, c.DatasetStaking, d.roles.admin],
    UsageLedger: [d.roles.admin, d.epoch.genesis, d.epoch.length, d.epoch.batchGracePeriod],
    RewardDistributor: [c.KhoToken, d.roles.admin, d.roles.poster, d.roles.guardian, d.rewards.timelock],
    FeeEscrow: [
      c.KhoToken,
      c.UsageLedger,
      c.RewardDistributor,
      d.roles.admin,
      d.escrow.thawPeriod,
      d.escrow.settlementWindow,
      d.escrow.protocolFeeBps,
    ],
  };
}

/**
 * What `npm run verify -- --network <name>` does: reads the deployment file (KHO_DEPLOYMENT_FILE,
 * else `deployments/<network>.json`) and submits every contract to the explorers hardhat-verify is
 * configured for in hardhat.config.ts (Sourcify always; Etherscan with KHO_ETHERSCAN_API_KEY).
 * Returns the names that failed, after trying them all.
 */
export async function verifyKho(
  hre: HardhatRuntimeEnvironment,
  env: Record<string, string | undefined>,
): Promise<DeploymentContractName[]> {
  const given = env.KHO_DEPLOYMENT_FILE?.trim();
  const root = hre.config.paths.root;
  const file = given ? path.resolve(root, given) : deploymentFilePath(root, hre.network.name);
  const deployment = await loadDeployment({ file });
  const chainId = Number((await hre.ethers.provider.getNetwork()).chainId);
  if (chainId !== deployment.chainId) {
    throw new DeployKhoError(
      `${file} is for chain ${deployment.chainId}, but network ${hre.network.name} is chain ${chainId}.`,
    );
  }
  const failed: DeploymentContractName[] = [];
  for (const [name, args] of Object.entries(constructorArguments(deployment)) as [
    DeploymentContractName,
    readonly unknown[],
  ][]) {
    try {
      await hre.run("verify:verify", {
        address: deployment.contracts[name],
        contract: `contracts/${name}.sol:${name}`,
        constructorArguments: args.map((arg) => (typeof arg === "bigint" ? arg.toString() : arg)),
      });
    } catch (error) {
      console.error(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      failed.push(name);
    }
  }
  return failed;
}
