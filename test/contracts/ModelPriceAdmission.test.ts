import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployCommunityFixture } from "./helpers/fixtures";

/** Community fixture plus model 1 by `builder` in community 1 (stewarded by `steward`) and a second community. */
async function modelFixture() {
  const fixture = await deployCommunityFixture();
  const { models, communities, builder, outsider, communityId } = fixture;
  await models.connect(builder).registerModel("pho-7b-vi", "vi-VN", communityId, "ipfs://card", ethers.id("w1"));
  // `outsider` stewards another community: a steward, but not of the model's home community.
  await communities.connect(outsider).createCommunity("en/other", "en", "ipfs://other");
  return { ...fixture, modelId: 1n };
}

describe("ModelRegistry prices and admission", () => {
  describe("setPrice / priceOf", () => {
    it("starts free and lets the builder set the price per call, 0 included", async () => {
      const { models, builder, modelId } = await loadFixture(modelFixture);
      expect(await models.priceOf(modelId)).to.equal(0n);
      await expect(models.connect(builder).setPrice(modelId, 25n))
        .to.emit(models, "ModelPriceSet")
        .withArgs(modelId, 25n);
      expect(await models.priceOf(modelId)).to.equal(25n);
      await expect(models.connect(builder).setPrice(modelId, 0n))
        .to.emit(models, "ModelPriceSet")
        .withArgs(modelId, 0n);
      expect(await models.priceOf(modelId)).to.equal(0n);
    });

    it("rejects callers other than the builder, retired models and unknown ids", async () => {
      const { models, builder, steward, admin, modelId } = await loadFixture(modelFixture);
      await expect(models.connect(steward).setPrice(modelId, 1n))
        .to.be.revertedWithCustomError(models, "NotModelBuilder")
        .withArgs(modelId, steward.address);
      await expect(models.connect(builder).setPrice(9n, 1n))
        .to.be.revertedWithCustomError(models, "ModelNotFound")
        .withArgs(9n);
      await expect(models.priceOf(9n)).to.be.revertedWithCustomError(models, "ModelNotFound").withArgs(9n);
      await models.connect(admin).retireModel(modelId);
      await expect(models.connect(builder).setPrice(modelId, 1n))
        .to.be.revertedWithCustomError(models, "ModelIsRetired")
        .withArgs(modelId);
    });
  });

  describe("admitModel / withdrawAdmission", () => {
    it("lets a steward of the home community admit and withdraw, with events", async () => {
      const { models, steward, modelId, communityId } = await loadFixture(modelFixture);
      expect(await models.isAdmitted(modelId)).to.equal(false);
      await expect(models.connect(steward).admitModel(modelId))
        .to.emit(models, "ModelAdmitted")
        .withArgs(modelId, communityId, steward.address);
      expect(await models.isAdmitted(modelId)).to.equal(true);
      await expect(models.connect(steward).admitModel(modelId))
        .to.be.revertedWithCustomError(models, "ModelAlreadyAdmitted")
        .withArgs(modelId);
      await expect(models.connect(steward).withdrawAdmission(modelId))
        .to.emit(models, "ModelAdmissionWithdrawn")
        .withArgs(modelId, communityId, steward.address);
      expect(await models.isAdmitted(modelId)).to.equal(false);
      await expect(models.connect(steward).withdrawAdmission(modelId))
        .to.be.revertedWithCustomError(models, "ModelNotAdmitted")
        .withArgs(modelId);
    });

    it("refuses non-stewards: the builder, the admin and stewards of other communities", async () => {
      const { models, steward, builder, admin, outsider, modelId, communityId } = await loadFixture(modelFixture);
      for (const caller of [builder, admin, outsider]) {
        await expect(models.connect(caller).admitModel(modelId))
          .to.be.revertedWithCustomError(models, "NotCommunitySteward")
          .withArgs(communityId, caller.address);
      }
      await models.connect(steward).admitModel(modelId);
      for (const caller of [builder, admin, outsider]) {
        await expect(models.connect(caller).withdrawAdmission(modelId))
          .to.be.revertedWithCustomError(models, "NotCommunitySteward")
          .withArgs(communityId, caller.address);
      }
    });

    it("refuses to admit a retired model but still lets its admission be withdrawn", async () => {
      const { models, steward, admin, modelId } = await loadFixture(modelFixture);
      await models.connect(steward).admitModel(modelId);
      await models.connect(admin).retireModel(modelId);
      await models.connect(steward).withdrawAdmission(modelId);
      await expect(models.connect(steward).admitModel(modelId))
        .to.be.revertedWithCustomError(models, "ModelIsRetired")
        .withArgs(modelId);
    });

    it("rejects unknown models", async () => {
      const { models, steward } = await loadFixture(modelFixture);
      await expect(models.connect(steward).admitModel(9n))
        .to.be.revertedWithCustomError(models, "ModelNotFound")
        .withArgs(9n);
      await expect(models.connect(steward).withdrawAdmission(9n))
        .to.be.revertedWithCustomError(models, "ModelNotFound")
        .withArgs(9n);
      await expect(models.isAdmitted(9n)).to.be.revertedWithCustomError(models, "ModelNotFound").withArgs(9n);
    });
  });
});
