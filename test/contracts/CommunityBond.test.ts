import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { COMMUNITY_LOCALE, COMMUNITY_SLUG, COMMUNITY_URI, MIN_BOND, deployCommunityFixture } from "./helpers/fixtures";

/** Community fixture plus a second steward; both stewards hold 10 × MIN_BOND tokens approved to the registry. */
async function bondFixture() {
  const fixture = await deployCommunityFixture();
  const { admin, token, communities, steward, communityId } = fixture;
  const [, , , , , , , , , , coSteward] = await ethers.getSigners();
  await communities.connect(steward).addSteward(communityId, coSteward!.address);
  for (const account of [steward, coSteward!]) {
    await token.connect(admin).mint(account.address, MIN_BOND * 10n);
    await token.connect(account).approve(await communities.getAddress(), ethers.MaxUint256);
  }
  return { ...fixture, coSteward: coSteward!, governor: admin };
}

/** bondFixture with MIN_BOND posted and the community recognized. */
async function recognizedFixture() {
  const fixture = await bondFixture();
  const { communities, steward, governor, communityId } = fixture;
  await communities.connect(steward).postBond(communityId, MIN_BOND);
  await communities.connect(governor).recognize(communityId);
  return fixture;
}

describe("CommunityRegistry bonds and recognition", () => {
  it("exposes the bond token, the minimum bond and the governor role", async () => {
    const { communities, token, governor } = await loadFixture(bondFixture);
    expect(await communities.bondToken()).to.equal(await token.getAddress());
    expect(await communities.minBond()).to.equal(MIN_BOND);
    expect(await communities.hasRole(await communities.GOVERNOR_ROLE(), governor.address)).to.equal(true);
  });

  describe("postBond", () => {
    it("lets any steward add to the community's bond and emits CommunityBondPosted", async () => {
      const { communities, token, steward, coSteward, communityId } = await loadFixture(bondFixture);
      await expect(communities.connect(steward).postBond(communityId, 600n))
        .to.emit(communities, "CommunityBondPosted")
        .withArgs(communityId, steward.address, 600n, 600n);
      await expect(communities.connect(coSteward).postBond(communityId, 400n))
        .to.emit(communities, "CommunityBondPosted")
        .withArgs(communityId, coSteward.address, 400n, 1000n);
      expect(await communities.bondOf(communityId)).to.equal(1000n);
      expect(await token.balanceOf(await communities.getAddress())).to.equal(1000n);
    });

    it("rejects non-stewards, zero amounts and unknown communities", async () => {
      const { communities, outsider, steward, communityId } = await loadFixture(bondFixture);
      await expect(communities.connect(outsider).postBond(communityId, 1n))
        .to.be.revertedWithCustomError(communities, "NotCommunitySteward")
        .withArgs(communityId, outsider.address);
      await expect(communities.connect(steward).postBond(communityId, 0n))
        .to.be.revertedWithCustomError(communities, "ZeroAmount")
        .withArgs();
      await expect(communities.connect(steward).postBond(9n, 1n))
        .to.be.revertedWithCustomError(communities, "CommunityNotFound")
        .withArgs(9n);
      await expect(communities.bondOf(9n)).to.be.revertedWithCustomError(communities, "CommunityNotFound").withArgs(9n);
    });

    it("bonds what arrives of a fee-on-transfer token and rejects a transfer that delivers nothing", async () => {
      const [admin, steward] = await ethers.getSigners();
      const fee = await ethers.deployContract("FeeOnTransferToken", [1000n]);
      const communities = await ethers.deployContract("CommunityRegistry", [
        admin!.address,
        admin!.address,
        await fee.getAddress(),
        900n,
      ]);
      await communities.connect(steward!).createCommunity(COMMUNITY_SLUG, COMMUNITY_LOCALE, COMMUNITY_URI);
      await fee.mint(steward!.address, 10_000n);
      await fee.connect(steward!).approve(await communities.getAddress(), ethers.MaxUint256);
      await expect(communities.connect(steward!).postBond(1n, 999n))
        .to.emit(communities, "CommunityBondPosted")
        .withArgs(1n, steward!.address, 900n, 900n);
      // 900 arrived, so the bond meets a 900 minimum although 999 was sent.
      await communities.connect(admin!).recognize(1n);
      await fee.setFee(10_000n);
      await expect(communities.connect(steward!).postBond(1n, 5n))
        .to.be.revertedWithCustomError(communities, "NothingReceived")
        .withArgs(5n);
    });
  });

  describe("recognize / revokeRecognition", () => {
    it("recognizes a community bonded with at least minBond, boundary included", async () => {
      const { communities, steward, governor, communityId } = await loadFixture(bondFixture);
      await communities.connect(steward).postBond(communityId, MIN_BOND - 1n);
      await expect(communities.connect(governor).recognize(communityId))
        .to.be.revertedWithCustomError(communities, "BondBelowMinimum")
        .withArgs(communityId, MIN_BOND - 1n, MIN_BOND);
      await communities.connect(steward).postBond(communityId, 1n);
      await expect(communities.connect(governor).recognize(communityId))
        .to.emit(communities, "CommunityRecognized")
        .withArgs(communityId, governor.address);
      expect(await communities.isRecognized(communityId)).to.equal(true);
      await expect(communities.connect(governor).recognize(communityId))
        .to.be.revertedWithCustomError(communities, "CommunityIsRecognized")
        .withArgs(communityId);
    });

    it("is governor-only and checks the community exists", async () => {
      const { communities, steward, governor, communityId } = await loadFixture(recognizedFixture);
      const role = await communities.GOVERNOR_ROLE();
      await expect(communities.connect(steward).recognize(communityId))
        .to.be.revertedWithCustomError(communities, "AccessControlUnauthorizedAccount")
        .withArgs(steward.address, role);
      await expect(communities.connect(steward).revokeRecognition(communityId))
        .to.be.revertedWithCustomError(communities, "AccessControlUnauthorizedAccount")
        .withArgs(steward.address, role);
      await expect(communities.connect(governor).recognize(9n))
        .to.be.revertedWithCustomError(communities, "CommunityNotFound")
        .withArgs(9n);
      await expect(communities.connect(governor).revokeRecognition(9n))
        .to.be.revertedWithCustomError(communities, "CommunityNotFound")
        .withArgs(9n);
      await expect(communities.isRecognized(9n))
        .to.be.revertedWithCustomError(communities, "CommunityNotFound")
        .withArgs(9n);
    });

    it("revokes recognition, after which the bond can be withdrawn", async () => {
      const { communities, token, steward, governor, communityId } = await loadFixture(recognizedFixture);
      await expect(communities.connect(governor).revokeRecognition(communityId))
        .to.emit(communities, "CommunityRecognitionRevoked")
        .withArgs(communityId, governor.address);
      expect(await communities.isRecognized(communityId)).to.equal(false);
      await expect(communities.connect(governor).revokeRecognition(communityId))
        .to.be.revertedWithCustomError(communities, "CommunityNotRecognized")
        .withArgs(communityId);
      await expect(communities.connect(steward).withdrawBond(communityId, MIN_BOND)).to.changeTokenBalance(
        token,
        steward,
        MIN_BOND,
      );
    });
  });

  describe("withdrawBond", () => {
    it("is refused while recognized, so a recognized community stays bonded", async () => {
      const { communities, steward, communityId } = await loadFixture(recognizedFixture);
      await expect(communities.connect(steward).withdrawBond(communityId, 1n))
        .to.be.revertedWithCustomError(communities, "CommunityIsRecognized")
        .withArgs(communityId);
    });

    it("pays any steward while unrecognized, up to the bond", async () => {
      const { communities, token, steward, coSteward, outsider, communityId } = await loadFixture(bondFixture);
      await communities.connect(steward).postBond(communityId, 500n);
      await expect(communities.connect(coSteward).withdrawBond(communityId, 501n))
        .to.be.revertedWithCustomError(communities, "InsufficientBond")
        .withArgs(communityId, 500n, 501n);
      await expect(communities.connect(coSteward).withdrawBond(communityId, 0n))
        .to.be.revertedWithCustomError(communities, "ZeroAmount")
        .withArgs();
      await expect(communities.connect(outsider).withdrawBond(communityId, 1n))
        .to.be.revertedWithCustomError(communities, "NotCommunitySteward")
        .withArgs(communityId, outsider.address);
      const tx = communities.connect(coSteward).withdrawBond(communityId, 200n);
      await expect(tx)
        .to.emit(communities, "CommunityBondWithdrawn")
        .withArgs(communityId, coSteward.address, 200n, 300n);
      await expect(tx).to.changeTokenBalances(token, [coSteward, communities], [200n, -200n]);
    });
  });

  describe("slashBond", () => {
    it("sends the slashed amount to the recipient and revokes recognition", async () => {
      const { communities, token, governor, outsider, communityId } = await loadFixture(recognizedFixture);
      const tx = communities.connect(governor).slashBond(communityId, 400n, outsider.address);
      await expect(tx).to.emit(communities, "CommunityBondSlashed").withArgs(communityId, 400n, outsider.address);
      await expect(tx).to.emit(communities, "CommunityRecognitionRevoked").withArgs(communityId, governor.address);
      await expect(tx).to.changeTokenBalances(token, [outsider, communities], [400n, -400n]);
      expect(await communities.bondOf(communityId)).to.equal(MIN_BOND - 400n);
      expect(await communities.isRecognized(communityId)).to.equal(false);
      // Below the minimum now, so it cannot be recognized again without topping up.
      await expect(communities.connect(governor).recognize(communityId))
        .to.be.revertedWithCustomError(communities, "BondBelowMinimum")
        .withArgs(communityId, MIN_BOND - 400n, MIN_BOND);
    });

    it("slashes an unrecognized community without a revocation event", async () => {
      const { communities, steward, governor, outsider, communityId } = await loadFixture(bondFixture);
      await communities.connect(steward).postBond(communityId, 50n);
      await expect(communities.connect(governor).slashBond(communityId, 50n, outsider.address)).not.to.emit(
        communities,
        "CommunityRecognitionRevoked",
      );
      expect(await communities.bondOf(communityId)).to.equal(0n);
    });

    it("is governor-only and rejects a zero recipient, zero amounts, more than the bond and unknown ids", async () => {
      const { communities, steward, governor, outsider, communityId } = await loadFixture(recognizedFixture);
      await expect(communities.connect(steward).slashBond(communityId, 1n, outsider.address))
        .to.be.revertedWithCustomError(communities, "AccessControlUnauthorizedAccount")
        .withArgs(steward.address, await communities.GOVERNOR_ROLE());
      await expect(communities.connect(governor).slashBond(communityId, 1n, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(communities, "ZeroAddress")
        .withArgs("recipient");
      await expect(communities.connect(governor).slashBond(communityId, 0n, outsider.address))
        .to.be.revertedWithCustomError(communities, "ZeroAmount")
        .withArgs();
      await expect(communities.connect(governor).slashBond(communityId, MIN_BOND + 1n, outsider.address))
        .to.be.revertedWithCustomError(communities, "InsufficientBond")
        .withArgs(communityId, MIN_BOND, MIN_BOND + 1n);
      await expect(communities.connect(governor).slashBond(9n, 1n, outsider.address))
        .to.be.revertedWithCustomError(communities, "CommunityNotFound")
        .withArgs(9n);
    });
  });

  describe("re-entrancy", () => {
    it("blocks a token callback into the registry during a bond withdrawal", async () => {
      const [admin, steward] = await ethers.getSigners();
      const evil = await ethers.deployContract("ReentrantToken");
      const communities = await ethers.deployContract("CommunityRegistry", [
        admin!.address,
        admin!.address,
        await evil.getAddress(),
        1n,
      ]);
      await communities.connect(steward!).createCommunity(COMMUNITY_SLUG, COMMUNITY_LOCALE, COMMUNITY_URI);
      await evil.mint(steward!.address, 100n);
      await evil.connect(steward!).approve(await communities.getAddress(), ethers.MaxUint256);
      await communities.connect(steward!).postBond(1n, 100n);
      // The callback comes from the token, which is no steward; the guard must stop it before that check.
      await evil.arm(await communities.getAddress(), communities.interface.encodeFunctionData("postBond", [1n, 1n]));
      await expect(communities.connect(steward!).withdrawBond(1n, 10n))
        .to.be.revertedWithCustomError(communities, "ReentrancyGuardReentrantCall")
        .withArgs();
    });
  });
});
