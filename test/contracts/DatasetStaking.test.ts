import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { inOneBlock } from "./helpers/blocks";
import {
  DATASET_URI,
  UNBONDING_PERIOD,
  deployCommunityFixture,
  deployCoreFixture,
  type CommunityFixture,
} from "./helpers/fixtures";

const E = ethers.parseEther;
const GAS = 500_000n;

/** Community fixture where staker 0 has staked 100 on dataset 1 at a known timestamp. */
async function stakedFixture(): Promise<CommunityFixture & { stakedAt: bigint }> {
  const fixture = await deployCommunityFixture();
  const stakedAt = BigInt(await time.latest()) + 100n;
  await time.setNextBlockTimestamp(stakedAt);
  await fixture.staking.connect(fixture.stakers[0]).stake(fixture.datasetIds[0], E("100"));
  return { ...fixture, stakedAt };
}

/** A DatasetStaking whose token is a 1% fee-on-transfer token, with one dataset. */
async function feeTokenFixture() {
  const { communities, steward, curator, stakers, admin } = await deployCommunityFixture();
  const token = await ethers.deployContract("FeeOnTransferToken", [100n]);
  const staking = await ethers.deployContract("DatasetStaking", [
    await token.getAddress(),
    await communities.getAddress(),
    UNBONDING_PERIOD,
    admin.address,
  ]);
  await staking.connect(steward).registerDataset(1n, "vi", DATASET_URI, ethers.id("d"), curator.address);
  await token.mint(stakers[0].address, E("1000"));
  await token.connect(stakers[0]).approve(await staking.getAddress(), ethers.MaxUint256);
  return { token, staking, staker: stakers[0] };
}

/** A DatasetStaking whose token calls back into it during transfers, with one dataset. */
async function reentrantTokenFixture() {
  const { communities, steward, curator, stakers, admin } = await deployCommunityFixture();
  const token = await ethers.deployContract("ReentrantToken");
  const staking = await ethers.deployContract("DatasetStaking", [
    await token.getAddress(),
    await communities.getAddress(),
    0n,
    admin.address,
  ]);
  await staking.connect(steward).registerDataset(1n, "vi", DATASET_URI, ethers.id("d"), curator.address);
  await token.mint(stakers[0].address, E("1000"));
  await token.connect(stakers[0]).approve(await staking.getAddress(), ethers.MaxUint256);
  return { token, staking, staker: stakers[0] };
}

describe("DatasetStaking", () => {
  describe("constructor", () => {
    it("stores its dependencies and announces the unbonding period", async () => {
      const { staking, token, communities, admin } = await loadFixture(deployCoreFixture);
      expect(await staking.token()).to.equal(await token.getAddress());
      expect(await staking.communities()).to.equal(await communities.getAddress());
      expect(await staking.unbondingPeriod()).to.equal(UNBONDING_PERIOD);
      expect(await staking.hasRole(await staking.DEFAULT_ADMIN_ROLE(), admin.address)).to.equal(true);
      await expect(staking.deploymentTransaction())
        .to.emit(staking, "UnbondingPeriodChanged")
        .withArgs(0n, UNBONDING_PERIOD);
    });

    it("rejects zero addresses and an over-long unbonding period", async () => {
      const { token, communities, admin } = await loadFixture(deployCoreFixture);
      const factory = await ethers.getContractFactory("DatasetStaking");
      const [t, c, a] = [await token.getAddress(), await communities.getAddress(), admin.address];
      const zero = ethers.ZeroAddress;
      await expect(factory.deploy(zero, c, 0n, a))
        .to.be.revertedWithCustomError(factory, "ZeroAddress")
        .withArgs("token");
      await expect(factory.deploy(t, zero, 0n, a))
        .to.be.revertedWithCustomError(factory, "ZeroAddress")
        .withArgs("communities");
      await expect(factory.deploy(t, c, 0n, zero))
        .to.be.revertedWithCustomError(factory, "AccessControlInvalidDefaultAdmin")
        .withArgs(zero);
      const max = 30n * 24n * 3600n;
      await expect(factory.deploy(t, c, max + 1n, a))
        .to.be.revertedWithCustomError(factory, "UnbondingPeriodTooLong")
        .withArgs(max + 1n, max);
    });
  });

  describe("registerDataset", () => {
    it("lets a steward register a dataset", async () => {
      const { staking, communityId, steward, curator } = await loadFixture(deployCommunityFixture);
      const hash = ethers.id("new dataset");
      await expect(staking.connect(steward).registerDataset(communityId, "vi-VN", "ipfs://d3", hash, curator.address))
        .to.emit(staking, "DatasetRegistered")
        .withArgs(3n, communityId, curator.address, "vi-VN", "ipfs://d3", hash)
        .and.to.emit(staking, "DatasetVersionPublished")
        .withArgs(3n, 1n, hash, "ipfs://d3", steward.address);
      const dataset = await staking.getDataset(3n);
      expect(dataset.latestVersion).to.equal(1n);
      expect(await staking.latestDatasetVersion(3n)).to.equal(1n);
      const v1 = await staking.getDatasetVersion(3n, 1n);
      expect([v1.contentHash, v1.uri, v1.publisher]).to.deep.equal([hash, "ipfs://d3", steward.address]);
      expect(v1.publishedAt).to.equal(BigInt(await time.latest()));
      expect(dataset.id).to.equal(3n);
      expect(dataset.communityId).to.equal(communityId);
      expect(dataset.curator).to.equal(curator.address);
      expect(dataset.locale).to.equal("vi-VN");
      expect(dataset.metadataURI).to.equal("ipfs://d3");
      expect(dataset.contentHash).to.equal(hash);
      expect(dataset.registeredAt).to.equal(BigInt(await time.latest()));
      expect(await staking.datasetCount()).to.equal(3n);
      expect(await staking.datasetExists(3n)).to.equal(true);
      expect(await staking.datasetExists(4n)).to.equal(false);
      expect(await staking.datasetExists(0n)).to.equal(false);
    });

    it("rejects non-stewards and unknown communities", async () => {
      const { staking, communities, communityId, outsider, curator } = await loadFixture(deployCommunityFixture);
      const hash = ethers.id("x");
      await expect(staking.connect(outsider).registerDataset(communityId, "vi", "ipfs://d", hash, curator.address))
        .to.be.revertedWithCustomError(staking, "NotCommunitySteward")
        .withArgs(communityId, outsider.address);
      await expect(staking.connect(outsider).registerDataset(5n, "vi", "ipfs://d", hash, curator.address))
        .to.be.revertedWithCustomError(communities, "CommunityNotFound")
        .withArgs(5n);
    });

    it("validates its inputs", async () => {
      const { staking, communityId, steward, curator } = await loadFixture(deployCommunityFixture);
      const register = (locale: string, uri: string, hash: string, who: string) =>
        staking.connect(steward).registerDataset(communityId, locale, uri, hash, who);
      const hash = ethers.id("x");
      await expect(register("v", "ipfs://d", hash, curator.address))
        .to.be.revertedWithCustomError(staking, "StringTooShort")
        .withArgs("locale", 1n, 2n);
      await expect(register("vi", "u".repeat(513), hash, curator.address))
        .to.be.revertedWithCustomError(staking, "StringTooLong")
        .withArgs("metadataURI", 513n, 512n);
      await expect(register("vi", "ipfs://d", ethers.ZeroHash, curator.address))
        .to.be.revertedWithCustomError(staking, "ZeroHash")
        .withArgs("contentHash");
      await expect(register("vi", "ipfs://d", hash, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(staking, "ZeroAddress")
        .withArgs("curator");
    });

    it("getDataset rejects unknown ids", async () => {
      const { staking } = await loadFixture(deployCommunityFixture);
      await expect(staking.getDataset(0n)).to.be.revertedWithCustomError(staking, "DatasetNotFound").withArgs(0n);
      await expect(staking.getDataset(3n)).to.be.revertedWithCustomError(staking, "DatasetNotFound").withArgs(3n);
    });
  });

  describe("publishDatasetVersion", () => {
    it("lets the curator and a steward publish versions and keeps every earlier one", async () => {
      const { staking, datasetIds, steward, curator } = await loadFixture(deployCommunityFixture);
      const [id] = datasetIds;
      const v1 = await staking.getDatasetVersion(id, 1n);
      const h2 = ethers.id("v2");
      await expect(staking.connect(curator).publishDatasetVersion(id, "ipfs://v2", h2))
        .to.emit(staking, "DatasetVersionPublished")
        .withArgs(id, 2n, h2, "ipfs://v2", curator.address);
      const h3 = ethers.id("v3");
      await expect(staking.connect(steward).publishDatasetVersion(id, "ipfs://v3", h3))
        .to.emit(staking, "DatasetVersionPublished")
        .withArgs(id, 3n, h3, "ipfs://v3", steward.address);
      const dataset = await staking.getDataset(id);
      expect([dataset.metadataURI, dataset.contentHash, dataset.latestVersion]).to.deep.equal(["ipfs://v3", h3, 3n]);
      expect(await staking.latestDatasetVersion(id)).to.equal(3n);
      // History is kept: version 1 is unchanged and version 2 is still readable.
      expect(await staking.getDatasetVersion(id, 1n)).to.deep.equal(v1);
      const v2 = await staking.getDatasetVersion(id, 2n);
      expect([v2.contentHash, v2.uri, v2.publisher]).to.deep.equal([h2, "ipfs://v2", curator.address]);
    });

    it("rejects others, unknown datasets and bad inputs", async () => {
      const { staking, datasetIds, curator, outsider } = await loadFixture(deployCommunityFixture);
      const [id] = datasetIds;
      await expect(staking.connect(outsider).publishDatasetVersion(id, "ipfs://v2", ethers.id("v2")))
        .to.be.revertedWithCustomError(staking, "NotDatasetManager")
        .withArgs(id, outsider.address);
      await expect(staking.connect(curator).publishDatasetVersion(9n, "ipfs://v2", ethers.id("v2")))
        .to.be.revertedWithCustomError(staking, "DatasetNotFound")
        .withArgs(9n);
      await expect(staking.connect(curator).publishDatasetVersion(id, "", ethers.id("v2")))
        .to.be.revertedWithCustomError(staking, "StringTooShort")
        .withArgs("uri", 0n, 1n);
      await expect(staking.connect(curator).publishDatasetVersion(id, "ipfs://v2", ethers.ZeroHash))
        .to.be.revertedWithCustomError(staking, "ZeroHash")
        .withArgs("contentHash");
    });

    it("reads only published versions", async () => {
      const { staking, datasetIds } = await loadFixture(deployCommunityFixture);
      const [id] = datasetIds;
      await expect(staking.getDatasetVersion(id, 0n))
        .to.be.revertedWithCustomError(staking, "DatasetVersionNotFound")
        .withArgs(id, 0n);
      await expect(staking.getDatasetVersion(id, 2n))
        .to.be.revertedWithCustomError(staking, "DatasetVersionNotFound")
        .withArgs(id, 2n);
      await expect(staking.getDatasetVersion(9n, 1n))
        .to.be.revertedWithCustomError(staking, "DatasetNotFound")
        .withArgs(9n);
      expect(await staking.latestDatasetVersion(9n)).to.equal(0n);
    });
  });

  describe("stake", () => {
    it("pulls tokens, checkpoints the stake and emits Staked", async () => {
      const { staking, token, datasetIds, stakers } = await loadFixture(deployCommunityFixture);
      const [a, b] = stakers;
      const [id] = datasetIds;
      await expect(staking.connect(a).stake(id, E("10")))
        .to.emit(staking, "Staked")
        .withArgs(id, a.address, E("10"), E("10"));
      await expect(staking.connect(a).stake(id, E("5")))
        .to.emit(staking, "Staked")
        .withArgs(id, a.address, E("5"), E("15"));
      await expect(staking.connect(b).stake(id, E("1"))).to.changeTokenBalances(token, [b, staking], [-E("1"), E("1")]);
      expect(await staking.stakeOf(id, a.address)).to.equal(E("15"));
      expect(await staking.totalStake(id)).to.equal(E("16"));
      expect(await staking.totalStake(datasetIds[1])).to.equal(0n);
      expect(await staking.totalStaked()).to.equal(E("16"));
    });

    it("rejects zero amounts and unknown datasets", async () => {
      const { staking, datasetIds, stakers } = await loadFixture(deployCommunityFixture);
      await expect(staking.connect(stakers[0]).stake(datasetIds[0], 0n)).to.be.revertedWithCustomError(
        staking,
        "ZeroAmount",
      );
      await expect(staking.connect(stakers[0]).stake(3n, 1n))
        .to.be.revertedWithCustomError(staking, "DatasetNotFound")
        .withArgs(3n);
    });

    it("bubbles token errors (missing allowance)", async () => {
      const { staking, token, datasetIds, outsider } = await loadFixture(deployCommunityFixture);
      await expect(staking.connect(outsider).stake(datasetIds[0], 1n))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
        .withArgs(await staking.getAddress(), 0n, 1n);
    });

    it("credits only what a fee-on-transfer token delivers", async () => {
      const { staking, token, staker } = await loadFixture(feeTokenFixture);
      await expect(staking.connect(staker).stake(1n, E("100")))
        .to.emit(staking, "Staked")
        .withArgs(1n, staker.address, E("99"), E("99"));
      expect(await staking.stakeOf(1n, staker.address)).to.equal(E("99"));
      expect(await token.balanceOf(await staking.getAddress())).to.equal(E("99"));
      expect(await staking.totalStaked()).to.equal(E("99"));
    });

    it("rejects a transfer that delivers nothing", async () => {
      const { staking, token, staker } = await loadFixture(feeTokenFixture);
      await token.setFee(10_000n);
      await expect(staking.connect(staker).stake(1n, E("1")))
        .to.be.revertedWithCustomError(staking, "NothingReceived")
        .withArgs(E("1"));
    });

    it("blocks re-entry from the token during stake", async () => {
      const { staking, token, staker } = await loadFixture(reentrantTokenFixture);
      await staking.connect(staker).stake(1n, E("10"));
      await staking.connect(staker).unstake(1n, E("10"));
      await token.arm(await staking.getAddress(), staking.interface.encodeFunctionData("withdraw"));
      await expect(staking.connect(staker).stake(1n, E("1"))).to.be.revertedWithCustomError(
        staking,
        "ReentrancyGuardReentrantCall",
      );
    });
  });

  describe("unstake", () => {
    it("removes stake at once and queues it for the unbonding period", async () => {
      const { staking, datasetIds, stakers } = await loadFixture(stakedFixture);
      const [a] = stakers;
      const [id] = datasetIds;
      const at = BigInt(await time.latest()) + 10n;
      await time.setNextBlockTimestamp(at);
      await expect(staking.connect(a).unstake(id, E("40")))
        .to.emit(staking, "UnstakeRequested")
        .withArgs(id, a.address, E("40"), E("60"), at + UNBONDING_PERIOD);
      expect(await staking.stakeOf(id, a.address)).to.equal(E("60"));
      expect(await staking.totalStake(id)).to.equal(E("60"));
      expect(await staking.totalStaked()).to.equal(E("60"));
      expect(await staking.totalUnbonding()).to.equal(E("40"));
      const pending = await staking.pendingUnbonding(a.address);
      expect(pending.map((e) => [e.datasetId, e.amount, e.releaseTime])).to.deep.equal([
        [id, E("40"), at + UNBONDING_PERIOD],
      ]);
    });

    it("rejects zero, excessive and unknown-dataset requests", async () => {
      const { staking, datasetIds, stakers } = await loadFixture(stakedFixture);
      const [a, b] = stakers;
      await expect(staking.connect(a).unstake(datasetIds[0], 0n)).to.be.revertedWithCustomError(staking, "ZeroAmount");
      await expect(staking.connect(a).unstake(datasetIds[0], E("101")))
        .to.be.revertedWithCustomError(staking, "InsufficientStake")
        .withArgs(datasetIds[0], a.address, E("100"), E("101"));
      await expect(staking.connect(b).unstake(datasetIds[1], 1n))
        .to.be.revertedWithCustomError(staking, "InsufficientStake")
        .withArgs(datasetIds[1], b.address, 0n, 1n);
      await expect(staking.connect(a).unstake(7n, 1n))
        .to.be.revertedWithCustomError(staking, "DatasetNotFound")
        .withArgs(7n);
    });

    it("bounds the unbonding queue at 32 entries per staker", async () => {
      const { staking, datasetIds, stakers } = await loadFixture(stakedFixture);
      const [a] = stakers;
      for (let i = 0; i < 32; i++) await staking.connect(a).unstake(datasetIds[0], 1n);
      expect(await staking.pendingUnbonding(a.address)).to.have.length(32);
      await expect(staking.connect(a).unstake(datasetIds[0], 1n))
        .to.be.revertedWithCustomError(staking, "UnbondingQueueFull")
        .withArgs(a.address, 32n);
      await time.increase(UNBONDING_PERIOD);
      await staking.connect(a).withdraw();
      await expect(staking.connect(a).unstake(datasetIds[0], 1n)).to.emit(staking, "UnstakeRequested");
    });
  });

  describe("withdraw", () => {
    it("fails before release and pays once matured", async () => {
      const { staking, token, datasetIds, stakers } = await loadFixture(stakedFixture);
      const [a] = stakers;
      await expect(staking.connect(a).withdraw())
        .to.be.revertedWithCustomError(staking, "NothingMatured")
        .withArgs(a.address, 0n);
      await staking.connect(a).unstake(datasetIds[0], E("30"));
      const release = BigInt(await time.latest()) + UNBONDING_PERIOD;
      await time.setNextBlockTimestamp(release - 1n);
      await expect(staking.connect(a).withdraw())
        .to.be.revertedWithCustomError(staking, "NothingMatured")
        .withArgs(a.address, release);
      await time.setNextBlockTimestamp(release);
      const tx = staking.connect(a).withdraw();
      await expect(tx).to.emit(staking, "Withdrawn").withArgs(a.address, E("30"));
      await expect(tx).to.changeTokenBalances(token, [a, staking], [E("30"), -E("30")]);
      expect(await staking.totalUnbonding()).to.equal(0n);
      expect(await staking.pendingUnbonding(a.address)).to.have.length(0);
      expect(await staking.stakeOf(datasetIds[0], a.address)).to.equal(E("70"));
    });

    it("pays only matured entries when periods differ, keeping the rest", async () => {
      const { staking, datasetIds, stakers, admin } = await loadFixture(stakedFixture);
      const [a] = stakers;
      await staking.connect(a).unstake(datasetIds[0], E("1")); // releases after 7 days
      await staking.connect(admin).setUnbondingPeriod(3600n);
      await staking.connect(a).unstake(datasetIds[0], E("2")); // releases after 1 hour
      await staking.connect(a).unstake(datasetIds[0], E("4")); // releases after 1 hour
      const firstRelease = (await staking.pendingUnbonding(a.address))[0].releaseTime;
      await time.increase(3600n);
      await expect(staking.connect(a).withdraw()).to.emit(staking, "Withdrawn").withArgs(a.address, E("6"));
      const left = await staking.pendingUnbonding(a.address);
      expect(left.map((e) => e.amount)).to.deep.equal([E("1")]);
      await expect(staking.connect(a).withdraw())
        .to.be.revertedWithCustomError(staking, "NothingMatured")
        .withArgs(a.address, firstRelease);
      expect(await staking.totalUnbonding()).to.equal(E("1"));
    });

    it("reports the earliest pending release when several are waiting", async () => {
      const { staking, datasetIds, stakers, admin } = await loadFixture(stakedFixture);
      const [a] = stakers;
      await staking.connect(a).unstake(datasetIds[0], E("1"));
      await staking.connect(admin).setUnbondingPeriod(3600n);
      await staking.connect(a).unstake(datasetIds[0], E("1"));
      const early = BigInt(await time.latest()) + 3600n;
      await expect(staking.connect(a).withdraw())
        .to.be.revertedWithCustomError(staking, "NothingMatured")
        .withArgs(a.address, early);
    });

    it("blocks re-entry from the token during withdraw", async () => {
      const { staking, token, staker } = await loadFixture(reentrantTokenFixture);
      await staking.connect(staker).stake(1n, E("10"));
      await staking.connect(staker).unstake(1n, E("5"));
      await token.arm(await staking.getAddress(), staking.interface.encodeFunctionData("stake", [1n, 1n]));
      await expect(staking.connect(staker).withdraw()).to.be.revertedWithCustomError(
        staking,
        "ReentrancyGuardReentrantCall",
      );
      await token.arm(await staking.getAddress(), staking.interface.encodeFunctionData("unstake", [1n, 1n]));
      await expect(staking.connect(staker).withdraw()).to.be.revertedWithCustomError(
        staking,
        "ReentrancyGuardReentrantCall",
      );
      await token.disarm();
      await expect(staking.connect(staker).withdraw()).to.emit(staking, "Withdrawn").withArgs(staker.address, E("5"));
    });
  });

  describe("setUnbondingPeriod", () => {
    it("lets the admin change the period for new requests only", async () => {
      const { staking, datasetIds, stakers, admin } = await loadFixture(stakedFixture);
      const [a] = stakers;
      await staking.connect(a).unstake(datasetIds[0], E("1"));
      const oldRelease = (await staking.pendingUnbonding(a.address))[0].releaseTime;
      await expect(staking.connect(admin).setUnbondingPeriod(60n))
        .to.emit(staking, "UnbondingPeriodChanged")
        .withArgs(UNBONDING_PERIOD, 60n);
      expect(await staking.unbondingPeriod()).to.equal(60n);
      expect((await staking.pendingUnbonding(a.address))[0].releaseTime).to.equal(oldRelease);
    });

    it("rejects non-admins and over-long periods", async () => {
      const { staking, admin, outsider } = await loadFixture(deployCoreFixture);
      await expect(staking.connect(outsider).setUnbondingPeriod(60n))
        .to.be.revertedWithCustomError(staking, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, await staking.DEFAULT_ADMIN_ROLE());
      const max = 30n * 24n * 3600n;
      await expect(staking.connect(admin).setUnbondingPeriod(max + 1n))
        .to.be.revertedWithCustomError(staking, "UnbondingPeriodTooLong")
        .withArgs(max + 1n, max);
      await expect(staking.connect(admin).setUnbondingPeriod(max)).to.emit(staking, "UnbondingPeriodChanged");
    });
  });

  describe("history and stake-time", () => {
    it("answers stake lookups at past timestamps", async () => {
      const { staking, datasetIds, stakers, stakedAt } = await loadFixture(stakedFixture);
      const [a, b] = stakers;
      const [id] = datasetIds;
      await time.setNextBlockTimestamp(stakedAt + 50n);
      await staking.connect(b).stake(id, E("20"));
      await time.setNextBlockTimestamp(stakedAt + 80n);
      await staking.connect(a).unstake(id, E("100"));

      expect(await staking.stakeAt(id, a.address, stakedAt - 1n)).to.equal(0n);
      expect(await staking.stakeAt(id, a.address, stakedAt)).to.equal(E("100"));
      expect(await staking.stakeAt(id, a.address, stakedAt + 79n)).to.equal(E("100"));
      expect(await staking.stakeAt(id, a.address, stakedAt + 80n)).to.equal(0n);
      expect(await staking.totalStakeAt(id, stakedAt + 49n)).to.equal(E("100"));
      expect(await staking.totalStakeAt(id, stakedAt + 50n)).to.equal(E("120"));
      expect(await staking.totalStakeAt(id, stakedAt + 80n)).to.equal(E("20"));
    });

    it("computes stake x seconds over [from, to)", async () => {
      const { staking, datasetIds, stakers, stakedAt } = await loadFixture(stakedFixture);
      const [a, b] = stakers;
      const [id] = datasetIds;
      await time.setNextBlockTimestamp(stakedAt + 50n);
      await staking.connect(b).stake(id, 20n);
      await time.setNextBlockTimestamp(stakedAt + 80n);
      await staking.connect(a).unstake(id, E("60"));
      await time.setNextBlockTimestamp(stakedAt + 200n);
      await staking.connect(a).stake(id, E("10"));
      await time.setNextBlockTimestamp(stakedAt + 300n);
      await staking.connect(b).unstake(id, 20n); // leaves a's 50 alone

      const t = stakedAt;
      // a: 100 for [t, t+80), 40 for [t+80, t+200), 50 from t+200 on.
      expect(await staking.stakeTime(id, a.address, t - 100n, t)).to.equal(0n);
      expect(await staking.stakeTime(id, a.address, t, t + 80n)).to.equal(E("100") * 80n);
      expect(await staking.stakeTime(id, a.address, t + 10n, t + 90n)).to.equal(E("100") * 70n + E("40") * 10n);
      expect(await staking.stakeTime(id, a.address, t - 5n, t + 250n)).to.equal(
        E("100") * 80n + E("40") * 120n + E("50") * 50n,
      );
      expect(await staking.stakeTime(id, a.address, t + 90n, t + 90n)).to.equal(0n);
      // b: 20 for [t+50, t+300).
      expect(await staking.stakeTime(id, b.address, t, t + 300n)).to.equal(20n * 250n);
      // total = sum of both.
      const now = BigInt(await time.latest());
      const total = await staking.totalStakeTime(id, t - 1n, now);
      const sum =
        (await staking.stakeTime(id, a.address, t - 1n, now)) + (await staking.stakeTime(id, b.address, t - 1n, now));
      expect(total).to.equal(sum);
      expect(await staking.stakeTime(id, stakers[2].address, t, now)).to.equal(0n);
    });

    it("earns zero stake-time for stake placed and removed in the same block", async () => {
      const { staking, datasetIds, stakers } = await loadFixture(deployCommunityFixture);
      const [a] = stakers;
      const [id] = datasetIds;
      await inOneBlock(async () => [
        await staking.connect(a).stake(id, E("1000"), { gasLimit: GAS }),
        await staking.connect(a).unstake(id, E("1000"), { gasLimit: GAS }),
      ]);
      const minedAt = BigInt(await time.latest());
      await time.increase(1000n);
      const now = BigInt(await time.latest());
      expect(await staking.stakeTime(id, a.address, minedAt - 10n, now)).to.equal(0n);
      expect(await staking.totalStakeTime(id, minedAt - 10n, now)).to.equal(0n);
      expect(await staking.stakeAt(id, a.address, minedAt)).to.equal(0n);
      expect(await staking.totalUnbonding()).to.equal(E("1000"));
    });

    it("collapses several changes in one block into one checkpoint holding the final value", async () => {
      const { staking, datasetIds, stakers } = await loadFixture(deployCommunityFixture);
      const [a] = stakers;
      const [id] = datasetIds;
      await inOneBlock(async () => [
        await staking.connect(a).stake(id, 100n, { gasLimit: GAS }),
        await staking.connect(a).unstake(id, 30n, { gasLimit: GAS }),
        await staking.connect(a).stake(id, 5n, { gasLimit: GAS }),
      ]);
      const minedAt = BigInt(await time.latest());
      await time.increase(10n);
      expect(await staking.stakeAt(id, a.address, minedAt - 1n)).to.equal(0n);
      expect(await staking.stakeAt(id, a.address, minedAt)).to.equal(75n);
      expect(await staking.totalStakeAt(id, minedAt)).to.equal(75n);
      expect(await staking.stakeTime(id, a.address, minedAt - 5n, minedAt + 10n)).to.equal(75n * 10n);
      expect(await staking.totalStakeTime(id, minedAt, minedAt + 1n)).to.equal(75n);
      expect(await staking.stakeTime(id, a.address, minedAt - 5n, minedAt)).to.equal(0n);
    });

    it("rejects future lookups and inverted windows", async () => {
      const { staking, datasetIds, stakers } = await loadFixture(stakedFixture);
      const [a] = stakers;
      const [id] = datasetIds;
      const now = BigInt(await time.latest());
      await expect(staking.stakeAt(id, a.address, now + 1n))
        .to.be.revertedWithCustomError(staking, "FutureLookup")
        .withArgs(now + 1n, now);
      await expect(staking.totalStakeAt(id, now + 1n))
        .to.be.revertedWithCustomError(staking, "FutureLookup")
        .withArgs(now + 1n, now);
      await expect(staking.stakeTime(id, a.address, 0n, now + 1n))
        .to.be.revertedWithCustomError(staking, "FutureLookup")
        .withArgs(now + 1n, now);
      await expect(staking.totalStakeTime(id, now, now - 1n))
        .to.be.revertedWithCustomError(staking, "InvalidTimeRange")
        .withArgs(now, now - 1n);
    });
  });

  describe("setDatasetCurator", () => {
    it("lets a steward take a dataset back from a removed steward who curated it", async () => {
      const { staking, communities, steward, builder, communityId } = await loadFixture(deployCommunityFixture);
      // `builder` is made a steward, registers a dataset it curates itself, then is removed as steward.
      await communities.connect(steward).addSteward(communityId, builder.address);
      await staking.connect(builder).registerDataset(communityId, "vi", DATASET_URI, ethers.id("b"), builder.address);
      const id = await staking.datasetCount();
      await communities.connect(steward).removeSteward(communityId, builder.address);

      await expect(staking.connect(steward).setDatasetCurator(id, steward.address))
        .to.emit(staking, "DatasetCuratorChanged")
        .withArgs(id, builder.address, steward.address, steward.address);
      expect((await staking.getDataset(id)).curator).to.equal(steward.address);
      await expect(staking.connect(builder).publishDatasetVersion(id, "ipfs://hijack", ethers.id("evil")))
        .to.be.revertedWithCustomError(staking, "NotDatasetManager")
        .withArgs(id, builder.address);
    });

    it("rejects non-stewards (the curator included), the zero address and unknown datasets", async () => {
      const { staking, steward, curator, outsider, datasetIds, communityId } =
        await loadFixture(deployCommunityFixture);
      const [id] = datasetIds;
      for (const caller of [curator, outsider]) {
        await expect(staking.connect(caller).setDatasetCurator(id, caller.address))
          .to.be.revertedWithCustomError(staking, "NotCommunitySteward")
          .withArgs(communityId, caller.address);
      }
      await expect(staking.connect(steward).setDatasetCurator(id, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(staking, "ZeroAddress")
        .withArgs("curator");
      await expect(staking.connect(steward).setDatasetCurator(9n, steward.address))
        .to.be.revertedWithCustomError(staking, "DatasetNotFound")
        .withArgs(9n);
    });
  });
});
