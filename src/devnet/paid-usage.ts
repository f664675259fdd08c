import { type Address, parseUnits } from "viem";
import { communityRegistryAbi, feeEscrowAbi, modelRegistryAbi } from "../protocol";
import type { Deployment } from "../protocol/deployment";
import { type KhoClient, approve, mint, transact } from "../sdk";

/** What a call costs on the dev network: the community's model more than the generic one. */
export const LOCAL_MODEL_PRICE = parseUnits("0.5", 18);
export const GENERIC_MODEL_PRICE = parseUnits("0.1", 18);
/** What every payer (API-key owners and member wallets) finds in FeeEscrow at start. */
export const DEV_DEPOSIT = parseUnits("50", 18);

export type SeedPaidUsageParameters = {
  deployment: Deployment;
  /** The token owner, also the CommunityRegistry governor on the dev network. */
  deployer: KhoClient;
  steward: KhoClient;
  localBuilder: KhoClient;
  genericBuilder: KhoClient;
  communityId: bigint;
  localModelId: bigint;
  genericModelId: bigint;
  payers: readonly Address[];
};

/**
 * Makes the dev network a paid one: both models priced, the home community bonded and recognized
 * by the governor with its local model admitted, and every payer holding DEV_DEPOSIT in FeeEscrow
 * (deposited for them by the token owner, so member wallets never need gas).
 */
export async function seedPaidUsage(parameters: SeedPaidUsageParameters): Promise<void> {
  const { deployment, deployer, steward } = parameters;
  const { contracts } = deployment;
  const setPrice = (client: KhoClient, modelId: bigint, price: bigint) =>
    transact(client, {
      address: contracts.ModelRegistry,
      abi: modelRegistryAbi,
      functionName: "setPrice",
      args: [modelId, price],
    });
  await setPrice(parameters.localBuilder, parameters.localModelId, LOCAL_MODEL_PRICE);
  await setPrice(parameters.genericBuilder, parameters.genericModelId, GENERIC_MODEL_PRICE);

  const bond = deployment.communities.minBond;
  await mint(deployer, { to: steward.account!.address, amount: bond });
  await approve(steward, { spender: contracts.CommunityRegistry, amount: bond });
  await transact(steward, {
    address: contracts.CommunityRegistry,
    abi: communityRegistryAbi,
    functionName: "postBond",
    args: [parameters.communityId, bond],
  });
  await transact(deployer, {
    address: contracts.CommunityRegistry,
    abi: communityRegistryAbi,
    functionName: "recognize",
    args: [parameters.communityId],
  });
  await transact(steward, {
    address: contracts.ModelRegistry,
    abi: modelRegistryAbi,
    functionName: "admitModel",
    args: [parameters.localModelId],
  });

  const total = DEV_DEPOSIT * BigInt(parameters.payers.length);
  await mint(deployer, { to: deployer.account!.address, amount: total });
  await approve(deployer, { spender: contracts.FeeEscrow, amount: total });
  for (const payer of parameters.payers) {
    await transact(deployer, {
      address: contracts.FeeEscrow,
      abi: feeEscrowAbi,
      functionName: "depositFor",
      args: [payer, DEV_DEPOSIT],
    });
  }
}
