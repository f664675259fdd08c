import { type Address, parseUnits } from "viem";
import type { Deployment } from "../protocol/deployment";
import { type KhoClient, admitModel, deposit, mint, postBond, recognizeCommunity, setModelPrice } from "../sdk";

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
  await setModelPrice(parameters.localBuilder, { modelId: parameters.localModelId, pricePerCall: LOCAL_MODEL_PRICE });
  await setModelPrice(parameters.genericBuilder, {
    modelId: parameters.genericModelId,
    pricePerCall: GENERIC_MODEL_PRICE,
  });

  const bond = deployment.communities.minBond;
  await mint(deployer, { to: steward.account!.address, amount: bond });
  await postBond(steward, { communityId: parameters.communityId, amount: bond });
  await recognizeCommunity(deployer, { communityId: parameters.communityId });
  await admitModel(steward, { modelId: parameters.localModelId });

  await mint(deployer, { to: deployer.account!.address, amount: DEV_DEPOSIT * BigInt(parameters.payers.length) });
  for (const payer of parameters.payers) await deposit(deployer, { amount: DEV_DEPOSIT, payer });
}
