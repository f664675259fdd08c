import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseUnits } from "viem";
import { loadDataset } from "../model-server";
import { datasetContentHash } from "../protocol/dataset-content-hash";
import type { Deployment } from "../protocol/deployment";
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
} from "../sdk";
import { PROJECT_ROOT } from "./hardhat-runtime";
import { seedPaidUsage } from "./paid-usage";
import type { LocalAccount } from "./local-chain";
import type { DevRoles } from "./roles";

export const LOCAL_DATASET_FILE = path.join(PROJECT_ROOT, "datasets", "vi-VN-home-cooking.json");
export const GENERIC_DATASET_FILE = path.join(PROJECT_ROOT, "datasets", "generic-western-cooking.json");
export const LOCAL_MODEL_NAME = "bep-viet-home-cooking";
export const GENERIC_MODEL_NAME = "generic-chef";

export type SeedParameters = {
  rpcUrl: string;
  deployment: Deployment;
  roles: DevRoles;
  /** Attested community members (addresses only; they never send transactions). */
  members: readonly `0x${string}`[];
  /** Base URL of the local (vi-VN) model server. */
  localEndpoint: string;
  /** Base URL of the generic model server; every generic deployment points at it. */
  genericEndpoint: string;
  /** How many deployments the generic model gets. */
  genericDeployments: number;
  /** Tokens minted to each staker (base units). */
  stakerFunds?: bigint;
  progress?: (message: string) => void;
};

export type SeedReturnType = {
  communityId: bigint;
  genericCommunityId: bigint;
  datasetId: bigint;
  localModelId: bigint;
  genericModelId: bigint;
  localDeploymentIds: bigint[];
  genericDeploymentIds: bigint[];
};

/**
 * Registers the vi-VN home-cooking community with its dataset and members, a localized model
 * with one deployment and a generic model with several, all through the SDK, exactly as the
 * CLI's users would; then prices the models, recognizes the community, admits the local model
 * and funds every payer's escrow (paid-usage.ts).
 */
export async function seedDevNetwork(parameters: SeedParameters): Promise<SeedReturnType> {
  const { rpcUrl, deployment, roles } = parameters;
  const progress = parameters.progress ?? (() => undefined);
  const clientFor = (account: LocalAccount): KhoClient =>
    createKhoClient({
      rpcUrl,
      chainId: deployment.chainId,
      addresses: deployment.contracts,
      account: account.privateKey,
    });

  // The local model is built from the community dataset, so both register the same content hash.
  const localContentHash = datasetContentHash(loadDataset(LOCAL_DATASET_FILE));
  const steward = clientFor(roles.steward);
  progress("creating community vi-VN/home-cooking");
  const { communityId } = await createCommunity(steward, {
    slug: "vi-VN/home-cooking",
    locale: "vi-VN",
    metadataURI: "ipfs://kho-demo/communities/vi-VN-home-cooking.json",
  });
  const { datasetId } = await registerDataset(steward, {
    communityId,
    locale: "vi-VN",
    // Where version 1's file is: the reward pipeline reads it when answers cite its entries.
    metadataURI: pathToFileURL(LOCAL_DATASET_FILE).href,
    contentHash: localContentHash,
    curator: roles.steward.address,
  });
  progress(`attesting ${parameters.members.length} community members`);
  await addMembers(steward, { communityId, members: parameters.members });
  const tokenOwner = clientFor(roles.deployer);

  const genericBuilder = clientFor(roles.genericBuilder);
  const { communityId: genericCommunityId } = await createCommunity(genericBuilder, {
    slug: "en-US/general",
    locale: "en-US",
    metadataURI: "ipfs://kho-demo/communities/en-US-general.json",
  });

  progress("registering the localized model and its deployment");
  const localBuilder = clientFor(roles.localBuilder);
  const { modelId: localModelId } = await registerModel(localBuilder, {
    name: LOCAL_MODEL_NAME,
    locale: "vi-VN",
    communityId,
    metadataURI: "ipfs://kho-demo/models/bep-viet-home-cooking.json",
    contentHash: localContentHash,
  });
  await linkDataset(localBuilder, { modelId: localModelId, datasetId });
  const { deploymentId: localDeploymentId } = await addDeployment(localBuilder, {
    modelId: localModelId,
    operator: roles.localOperator.address,
    endpoint: parameters.localEndpoint,
  });

  progress(`registering the generic model and its ${parameters.genericDeployments} deployments`);
  const { modelId: genericModelId } = await registerModel(genericBuilder, {
    name: GENERIC_MODEL_NAME,
    locale: "en-US",
    communityId: genericCommunityId,
    metadataURI: "ipfs://kho-demo/models/generic-chef.json",
    contentHash: datasetContentHash(loadDataset(GENERIC_DATASET_FILE)),
  });
  const genericDeploymentIds: bigint[] = [];
  for (let i = 0; i < parameters.genericDeployments; i++) {
    const operator = roles.genericOperators[i % roles.genericOperators.length]!;
    const { deploymentId } = await addDeployment(genericBuilder, {
      modelId: genericModelId,
      operator: operator.address,
      endpoint: parameters.genericEndpoint,
    });
    genericDeploymentIds.push(deploymentId);
  }

  const funds = parameters.stakerFunds ?? parseUnits("1000", 18);
  for (const staker of [roles.earlyStaker, roles.lateStaker]) {
    await mint(tokenOwner, { to: staker.address, amount: funds });
  }

  progress("pricing the models, recognizing the community and funding payers' escrow");
  await seedPaidUsage({
    deployment,
    deployer: tokenOwner,
    steward,
    localBuilder,
    genericBuilder,
    communityId,
    localModelId,
    genericModelId,
    payers: [
      roles.appDeveloper.address,
      roles.localBuilder.address,
      roles.genericBuilder.address,
      ...parameters.members,
    ],
  });

  return {
    communityId,
    genericCommunityId,
    datasetId,
    localModelId,
    genericModelId,
    localDeploymentIds: [localDeploymentId],
    genericDeploymentIds,
  };
}
