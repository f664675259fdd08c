import { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { CommunityRegistry, DatasetStaking, KhoToken, ModelRegistry } from "../../../typechain-types";

/** Unbonding period used by the fixtures (seconds). */
export const UNBONDING_PERIOD = 7n * 24n * 60n * 60n;

/** Tokens minted to every staker in the fixtures. */
export const INITIAL_BALANCE = ethers.parseEther("1000000");

/** CommunityRegistry's minimum recognition bond in the fixtures. */
export const MIN_BOND = ethers.parseEther("1000");

export const COMMUNITY_SLUG = "vi-VN/home-cooking";
export const COMMUNITY_LOCALE = "vi-VN";
export const COMMUNITY_URI = "ipfs://community-card";
export const DATASET_URI = "ipfs://dataset-card";
export const DATASET_HASH = ethers.id("dataset v1");

export type CoreFixture = {
  admin: HardhatEthersSigner;
  steward: HardhatEthersSigner;
  curator: HardhatEthersSigner;
  builder: HardhatEthersSigner;
  operator: HardhatEthersSigner;
  stakers: HardhatEthersSigner[];
  outsider: HardhatEthersSigner;
  token: KhoToken;
  communities: CommunityRegistry;
  staking: DatasetStaking;
  models: ModelRegistry;
};

/**
 * Deploys KhoToken, CommunityRegistry, DatasetStaking (7-day unbonding) and ModelRegistry with `admin` as owner
 * and admin of all of them (and governor of CommunityRegistry, minimum bond MIN_BOND); mints INITIAL_BALANCE to each staker and approves the staking contract. Use with
 * `loadFixture`.
 */
export async function deployCoreFixture(): Promise<CoreFixture> {
  const [admin, steward, curator, builder, operator, outsider, ...rest] = await ethers.getSigners();
  const stakers = rest.slice(0, 4);

  const token = await ethers.deployContract("KhoToken", [admin.address]);
  const communities = await ethers.deployContract("CommunityRegistry", [
    admin.address,
    admin.address,
    await token.getAddress(),
    MIN_BOND,
  ]);
  const staking = await ethers.deployContract("DatasetStaking", [
    await token.getAddress(),
    await communities.getAddress(),
    UNBONDING_PERIOD,
    admin.address,
  ]);
  const models = await ethers.deployContract("ModelRegistry", [
    await communities.getAddress(),
    await staking.getAddress(),
    admin.address,
  ]);

  const stakingAddress = await staking.getAddress();
  for (const staker of stakers) {
    await token.connect(admin).mint(staker.address, INITIAL_BALANCE);
    await token.connect(staker).approve(stakingAddress, ethers.MaxUint256);
  }

  return { admin, steward, curator, builder, operator, stakers, outsider, token, communities, staking, models };
}

export type CommunityFixture = CoreFixture & { communityId: bigint; datasetIds: bigint[] };

/**
 * {@link deployCoreFixture} plus community 1 (`vi-VN/home-cooking`, stewarded by `steward`) and datasets 1 and 2
 * in it, curated by `curator`.
 */
export async function deployCommunityFixture(): Promise<CommunityFixture> {
  const core = await deployCoreFixture();
  const { communities, staking, steward, curator } = core;
  await communities.connect(steward).createCommunity(COMMUNITY_SLUG, COMMUNITY_LOCALE, COMMUNITY_URI);
  const communityId = await communities.communityCount();
  const datasetIds: bigint[] = [];
  for (const label of ["dataset v1", "dataset two"]) {
    await staking.connect(steward).registerDataset(communityId, "vi", DATASET_URI, ethers.id(label), curator.address);
    datasetIds.push(await staking.datasetCount());
  }
  return { ...core, communityId, datasetIds };
}
