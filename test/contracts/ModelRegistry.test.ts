import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployCommunityFixture, deployCoreFixture } from "./helpers/fixtures";

const NAME = "pho-7b-vi";
const URI = "ipfs://model-card";
const HASH = ethers.id("weights v1");
const ENDPOINT = "https://infer.example/v1";

enum Status {
  None,
  Active,
  Paused,
  Removed,
}

/** Community fixture plus model 1 by `builder` with one Active deployment (id 1) run by `operator`. */
async function modelFixture() {
  const fixture = await deployCommunityFixture();
  const { models, builder, operator, communityId } = fixture;
  await models.connect(builder).registerModel(NAME, "vi-VN", communityId, URI, HASH);
  await models.connect(builder).addDeployment(1n, operator.address, ENDPOINT);
  return { ...fixture, modelId: 1n, deploymentId: 1n };
}

describe("ModelRegistry", () => {
  describe("constructor", () => {
    it("stores its dependencies", async () => {
      const { models, communities, staking, admin } = await loadFixture(deployCoreFixture);
      expect(await models.communities()).to.equal(await communities.getAddress());
      expect(await models.datasets()).to.equal(await staking.getAddress());
      expect(await models.hasRole(await models.DEFAULT_ADMIN_ROLE(), admin.address)).to.equal(true);
    });

    it("rejects zero addresses", async () => {
      const { communities, staking, admin } = await loadFixture(deployCoreFixture);
      const factory = await ethers.getContractFactory("ModelRegistry");
      const [c, d, zero] = [await communities.getAddress(), await staking.getAddress(), ethers.ZeroAddress];
      await expect(factory.deploy(zero, d, admin.address))
        .to.be.revertedWithCustomError(factory, "ZeroAddress")
        .withArgs("communities");
      await expect(factory.deploy(c, zero, admin.address))
        .to.be.revertedWithCustomError(factory, "ZeroAddress")
        .withArgs("datasets");
      await expect(factory.deploy(c, d, zero))
        .to.be.revertedWithCustomError(factory, "AccessControlInvalidDefaultAdmin")
        .withArgs(zero);
    });
  });

  describe("registerModel", () => {
    it("registers version 1 with the caller as builder", async () => {
      const { models, builder, communityId } = await loadFixture(deployCommunityFixture);
      await expect(models.connect(builder).registerModel(NAME, "vi-VN", communityId, URI, HASH))
        .to.emit(models, "ModelRegistered")
        .withArgs(1n, builder.address, communityId, NAME, "vi-VN", URI, HASH);
      const now = BigInt(await time.latest());
      const model = await models.getModel(1n);
      expect(model.builder).to.equal(builder.address);
      expect(model.pendingBuilder).to.equal(ethers.ZeroAddress);
      expect(model.communityId).to.equal(communityId);
      expect(model.name).to.equal(NAME);
      expect(model.locale).to.equal("vi-VN");
      expect(model.metadataURI).to.equal(URI);
      expect(model.contentHash).to.equal(HASH);
      expect(model.latestVersion).to.equal(1n);
      expect(model.retired).to.equal(false);
      expect(model.registeredAt).to.equal(now);
      const v1 = await models.getVersion(1n, 1n);
      expect([v1.contentHash, v1.metadataURI, v1.publishedAt]).to.deep.equal([HASH, URI, now]);
      expect(await models.modelIdByName(NAME)).to.equal(1n);
      expect(await models.modelIdByName("PHO-7b-vi")).to.equal(1n);
      expect(await models.modelIdByName("pho-7b")).to.equal(0n);
      expect(await models.modelCount()).to.equal(1n);
      expect(await models.modelExists(1n)).to.equal(true);
      expect(await models.modelExists(2n)).to.equal(false);
      expect(await models.modelExists(0n)).to.equal(false);
      expect(await models.linkedDatasets(1n)).to.deep.equal([]);
      expect(await models.modelDeployments(1n)).to.deep.equal([]);
    });

    it("rejects taken names, ignoring ASCII case", async () => {
      const { models, builder, outsider, communityId } = await loadFixture(modelFixture);
      await expect(models.connect(outsider).registerModel(NAME, "vi", communityId, URI, HASH))
        .to.be.revertedWithCustomError(models, "NameTaken")
        .withArgs(NAME, 1n);
      await expect(models.connect(builder).registerModel("Pho-7b-vi", "vi", communityId, URI, HASH))
        .to.be.revertedWithCustomError(models, "NameTaken")
        .withArgs("Pho-7b-vi", 1n);
    });

    it("validates the name", async () => {
      const { models, builder, communityId } = await loadFixture(deployCommunityFixture);
      const register = (name: string) => models.connect(builder).registerModel(name, "vi", communityId, URI, HASH);
      await expect(register("")).to.be.revertedWithCustomError(models, "StringTooShort").withArgs("name", 0n, 1n);
      await expect(register("a".repeat(65)))
        .to.be.revertedWithCustomError(models, "StringTooLong")
        .withArgs("name", 65n, 64n);
      await expect(register("-x")).to.be.revertedWithCustomError(models, "InvalidCharacter").withArgs("name", 0n);
      await expect(register("a b")).to.be.revertedWithCustomError(models, "InvalidCharacter").withArgs("name", 1n);
      await expect(register("vinai/PhoGPT-4B_v1.5")).to.emit(models, "ModelRegistered");
      await expect(register("7")).to.emit(models, "ModelRegistered");
    });

    it("validates locale, URI, hash and community", async () => {
      const { models, communities, builder, communityId } = await loadFixture(deployCommunityFixture);
      const register = (locale: string, community: bigint, uri: string, hash: string) =>
        models.connect(builder).registerModel(NAME, locale, community, uri, hash);
      await expect(register("v-", communityId, URI, HASH))
        .to.be.revertedWithCustomError(models, "InvalidCharacter")
        .withArgs("locale", 1n);
      await expect(register("vi", communityId, "", HASH))
        .to.be.revertedWithCustomError(models, "StringTooShort")
        .withArgs("metadataURI", 0n, 1n);
      await expect(register("vi", communityId, URI, ethers.ZeroHash))
        .to.be.revertedWithCustomError(models, "ZeroHash")
        .withArgs("contentHash");
      await expect(register("vi", 4n, URI, HASH))
        .to.be.revertedWithCustomError(models, "CommunityNotFound")
        .withArgs(4n);
      expect(await communities.communityCount()).to.equal(1n);
    });
  });

  describe("publishVersion", () => {
    it("publishes the next version and updates the model", async () => {
      const { models, builder, modelId } = await loadFixture(modelFixture);
      const h2 = ethers.id("weights v2");
      expect(await models.connect(builder).publishVersion.staticCall(modelId, h2, "ipfs://v2")).to.equal(2n);
      await expect(models.connect(builder).publishVersion(modelId, h2, "ipfs://v2"))
        .to.emit(models, "VersionPublished")
        .withArgs(modelId, 2n, h2, "ipfs://v2");
      const model = await models.getModel(modelId);
      expect([model.latestVersion, model.contentHash, model.metadataURI]).to.deep.equal([2n, h2, "ipfs://v2"]);
      expect((await models.getVersion(modelId, 2n)).contentHash).to.equal(h2);
      expect((await models.getVersion(modelId, 1n)).contentHash).to.equal(HASH);
    });

    it("rejects non-builders, retired models, bad inputs and unknown models", async () => {
      const { models, builder, outsider, modelId } = await loadFixture(modelFixture);
      const h2 = ethers.id("weights v2");
      await expect(models.connect(outsider).publishVersion(modelId, h2, "ipfs://v2"))
        .to.be.revertedWithCustomError(models, "NotModelBuilder")
        .withArgs(modelId, outsider.address);
      await expect(models.connect(builder).publishVersion(modelId, ethers.ZeroHash, "ipfs://v2"))
        .to.be.revertedWithCustomError(models, "ZeroHash")
        .withArgs("contentHash");
      await expect(models.connect(builder).publishVersion(modelId, h2, "u".repeat(513)))
        .to.be.revertedWithCustomError(models, "StringTooLong")
        .withArgs("metadataURI", 513n, 512n);
      await expect(models.connect(builder).publishVersion(9n, h2, "ipfs://v2"))
        .to.be.revertedWithCustomError(models, "ModelNotFound")
        .withArgs(9n);
      await models.connect(builder).retireModel(modelId);
      await expect(models.connect(builder).publishVersion(modelId, h2, "ipfs://v2"))
        .to.be.revertedWithCustomError(models, "ModelIsRetired")
        .withArgs(modelId);
    });

    it("getVersion rejects unknown versions and models", async () => {
      const { models, modelId } = await loadFixture(modelFixture);
      await expect(models.getVersion(modelId, 0n))
        .to.be.revertedWithCustomError(models, "VersionNotFound")
        .withArgs(modelId, 0n);
      await expect(models.getVersion(modelId, 2n))
        .to.be.revertedWithCustomError(models, "VersionNotFound")
        .withArgs(modelId, 2n);
      await expect(models.getVersion(5n, 1n)).to.be.revertedWithCustomError(models, "ModelNotFound").withArgs(5n);
    });
  });

  describe("dataset links", () => {
    it("links and unlinks datasets", async () => {
      const { models, builder, modelId, datasetIds } = await loadFixture(modelFixture);
      const [d1, d2] = datasetIds;
      await expect(models.connect(builder).linkDataset(modelId, d1))
        .to.emit(models, "DatasetLinked")
        .withArgs(modelId, d1);
      await models.connect(builder).linkDataset(modelId, d2);
      expect(await models.linkedDatasets(modelId)).to.deep.equal([d1, d2]);
      await expect(models.connect(builder).unlinkDataset(modelId, d1))
        .to.emit(models, "DatasetUnlinked")
        .withArgs(modelId, d1);
      expect(await models.linkedDatasets(modelId)).to.deep.equal([d2]);
    });

    it("rejects duplicates, unknown datasets, missing links and non-builders", async () => {
      const { models, builder, outsider, modelId, datasetIds } = await loadFixture(modelFixture);
      const [d1, d2] = datasetIds;
      await models.connect(builder).linkDataset(modelId, d1);
      await expect(models.connect(builder).linkDataset(modelId, d1))
        .to.be.revertedWithCustomError(models, "DatasetAlreadyLinked")
        .withArgs(modelId, d1);
      await expect(models.connect(builder).linkDataset(modelId, 3n))
        .to.be.revertedWithCustomError(models, "DatasetNotFound")
        .withArgs(3n);
      await expect(models.connect(builder).unlinkDataset(modelId, d2))
        .to.be.revertedWithCustomError(models, "DatasetNotLinked")
        .withArgs(modelId, d2);
      await expect(models.connect(outsider).linkDataset(modelId, d2))
        .to.be.revertedWithCustomError(models, "NotModelBuilder")
        .withArgs(modelId, outsider.address);
      await expect(models.connect(outsider).unlinkDataset(modelId, d1))
        .to.be.revertedWithCustomError(models, "NotModelBuilder")
        .withArgs(modelId, outsider.address);
      await expect(models.linkedDatasets(2n)).to.be.revertedWithCustomError(models, "ModelNotFound").withArgs(2n);
    });

    it("pins a linked dataset's version: the latest on linking, then any published one", async () => {
      const { models, staking, curator, builder, modelId, datasetIds } = await loadFixture(modelFixture);
      const [d1] = datasetIds;
      await staking.connect(curator).publishDatasetVersion(d1, "ipfs://d1-v2", ethers.id("d1 v2"));
      await expect(models.connect(builder).linkDataset(modelId, d1))
        .to.emit(models, "DatasetVersionPinned")
        .withArgs(modelId, d1, 2n);
      expect(await models.linkedDatasetVersion(modelId, d1)).to.equal(2n);
      await staking.connect(curator).publishDatasetVersion(d1, "ipfs://d1-v3", ethers.id("d1 v3"));
      // A new dataset version does not move the model: the builder pins it.
      expect(await models.linkedDatasetVersion(modelId, d1)).to.equal(2n);
      await expect(models.connect(builder).pinDatasetVersion(modelId, d1, 3n))
        .to.emit(models, "DatasetVersionPinned")
        .withArgs(modelId, d1, 3n);
      await models.connect(builder).pinDatasetVersion(modelId, d1, 1n);
      expect(await models.linkedDatasetVersion(modelId, d1)).to.equal(1n);
    });

    it("rejects pins of unpublished versions, unlinked datasets, by others and on retired models", async () => {
      const { models, builder, outsider, modelId, datasetIds } = await loadFixture(modelFixture);
      const [d1, d2] = datasetIds;
      await models.connect(builder).linkDataset(modelId, d1);
      await expect(models.connect(builder).pinDatasetVersion(modelId, d1, 2n))
        .to.be.revertedWithCustomError(models, "DatasetVersionNotFound")
        .withArgs(d1, 2n);
      await expect(models.connect(builder).pinDatasetVersion(modelId, d1, 0n))
        .to.be.revertedWithCustomError(models, "DatasetVersionNotFound")
        .withArgs(d1, 0n);
      await expect(models.connect(builder).pinDatasetVersion(modelId, d2, 1n))
        .to.be.revertedWithCustomError(models, "DatasetNotLinked")
        .withArgs(modelId, d2);
      await expect(models.linkedDatasetVersion(modelId, d2))
        .to.be.revertedWithCustomError(models, "DatasetNotLinked")
        .withArgs(modelId, d2);
      await expect(models.connect(outsider).pinDatasetVersion(modelId, d1, 1n))
        .to.be.revertedWithCustomError(models, "NotModelBuilder")
        .withArgs(modelId, outsider.address);
      await models.connect(builder).retireModel(modelId);
      await expect(models.connect(builder).pinDatasetVersion(modelId, d1, 1n))
        .to.be.revertedWithCustomError(models, "ModelIsRetired")
        .withArgs(modelId);
    });

    it("bounds links at 32 and refuses new links on retired models", async () => {
      const { models, staking, steward, curator, builder, modelId, communityId } = await loadFixture(modelFixture);
      for (let i = 0; i < 31; i++) {
        await staking
          .connect(steward)
          .registerDataset(communityId, "vi", "ipfs://d", ethers.id(`d${i}`), curator.address);
      }
      for (let id = 1n; id <= 32n; id++) await models.connect(builder).linkDataset(modelId, id);
      await expect(models.connect(builder).linkDataset(modelId, 33n))
        .to.be.revertedWithCustomError(models, "TooManyLinkedDatasets")
        .withArgs(modelId, 32n);
      await models.connect(builder).unlinkDataset(modelId, 5n);
      await models.connect(builder).retireModel(modelId);
      await expect(models.connect(builder).linkDataset(modelId, 5n))
        .to.be.revertedWithCustomError(models, "ModelIsRetired")
        .withArgs(modelId);
      await expect(models.connect(builder).unlinkDataset(modelId, 6n)).to.emit(models, "DatasetUnlinked");
    });
  });

  describe("ownership", () => {
    it("transfers in two steps", async () => {
      const { models, builder, outsider, modelId } = await loadFixture(modelFixture);
      await expect(models.connect(builder).transferModelOwnership(modelId, outsider.address))
        .to.emit(models, "ModelOwnershipTransferStarted")
        .withArgs(modelId, builder.address, outsider.address);
      expect((await models.getModel(modelId)).pendingBuilder).to.equal(outsider.address);
      expect((await models.getModel(modelId)).builder).to.equal(builder.address);
      await expect(models.connect(outsider).acceptModelOwnership(modelId))
        .to.emit(models, "ModelOwnershipTransferred")
        .withArgs(modelId, builder.address, outsider.address);
      const model = await models.getModel(modelId);
      expect([model.builder, model.pendingBuilder]).to.deep.equal([outsider.address, ethers.ZeroAddress]);
      await expect(models.connect(builder).publishVersion(modelId, HASH, URI))
        .to.be.revertedWithCustomError(models, "NotModelBuilder")
        .withArgs(modelId, builder.address);
    });

    it("rejects strangers and supports cancelling an offer", async () => {
      const { models, builder, outsider, operator, modelId } = await loadFixture(modelFixture);
      await expect(models.connect(outsider).transferModelOwnership(modelId, outsider.address))
        .to.be.revertedWithCustomError(models, "NotModelBuilder")
        .withArgs(modelId, outsider.address);
      await models.connect(builder).transferModelOwnership(modelId, outsider.address);
      await expect(models.connect(operator).acceptModelOwnership(modelId))
        .to.be.revertedWithCustomError(models, "NotPendingBuilder")
        .withArgs(modelId, operator.address);
      await models.connect(builder).transferModelOwnership(modelId, ethers.ZeroAddress);
      await expect(models.connect(outsider).acceptModelOwnership(modelId))
        .to.be.revertedWithCustomError(models, "NotPendingBuilder")
        .withArgs(modelId, outsider.address);
      await expect(models.connect(outsider).acceptModelOwnership(3n))
        .to.be.revertedWithCustomError(models, "ModelNotFound")
        .withArgs(3n);
    });
  });

  describe("retireModel", () => {
    it("lets the builder retire, once", async () => {
      const { models, builder, modelId } = await loadFixture(modelFixture);
      await expect(models.connect(builder).retireModel(modelId))
        .to.emit(models, "ModelRetired")
        .withArgs(modelId, builder.address);
      expect((await models.getModel(modelId)).retired).to.equal(true);
      await expect(models.connect(builder).retireModel(modelId))
        .to.be.revertedWithCustomError(models, "ModelIsRetired")
        .withArgs(modelId);
    });

    it("lets the admin retire as an emergency and nobody else", async () => {
      const { models, admin, outsider, modelId } = await loadFixture(modelFixture);
      await expect(models.connect(outsider).retireModel(modelId))
        .to.be.revertedWithCustomError(models, "NotModelBuilderOrAdmin")
        .withArgs(modelId, outsider.address);
      await expect(models.connect(admin).retireModel(modelId))
        .to.emit(models, "ModelRetired")
        .withArgs(modelId, admin.address);
      await expect(models.connect(admin).retireModel(8n))
        .to.be.revertedWithCustomError(models, "ModelNotFound")
        .withArgs(8n);
    });
  });

  describe("deployments", () => {
    it("adds an Active deployment", async () => {
      const { models, builder, operator, modelId } = await loadFixture(modelFixture);
      await expect(models.connect(builder).addDeployment(modelId, operator.address, "http://10.0.0.1:8080"))
        .to.emit(models, "DeploymentAdded")
        .withArgs(2n, modelId, operator.address, "http://10.0.0.1:8080");
      const deployment = await models.getDeployment(2n);
      expect(deployment.modelId).to.equal(modelId);
      expect(deployment.operator).to.equal(operator.address);
      expect(deployment.endpoint).to.equal("http://10.0.0.1:8080");
      expect(deployment.status).to.equal(BigInt(Status.Active));
      expect(deployment.addedAt).to.equal(BigInt(await time.latest()));
      expect(await models.modelDeployments(modelId)).to.deep.equal([1n, 2n]);
      expect(await models.deploymentCount()).to.equal(2n);
      expect(await models.liveDeploymentCount(modelId)).to.equal(2n);
    });

    it("validates the endpoint, operator, caller and model", async () => {
      const { models, builder, operator, outsider, modelId } = await loadFixture(modelFixture);
      const add = (endpoint: string, who = operator.address) =>
        models.connect(builder).addDeployment(modelId, who, endpoint);
      await expect(add("")).to.be.revertedWithCustomError(models, "StringTooShort").withArgs("endpoint", 0n, 1n);
      await expect(add(`https://${"a".repeat(249)}`))
        .to.be.revertedWithCustomError(models, "StringTooLong")
        .withArgs("endpoint", 257n, 256n);
      await expect(add("ftp://x")).to.be.revertedWithCustomError(models, "InvalidCharacter").withArgs("endpoint", 0n);
      await expect(add("http:/")).to.be.revertedWithCustomError(models, "InvalidCharacter").withArgs("endpoint", 0n);
      await expect(add("https://"))
        .to.be.revertedWithCustomError(models, "StringTooShort")
        .withArgs("endpoint", 8n, 9n);
      await expect(add("http://")).to.be.revertedWithCustomError(models, "StringTooShort").withArgs("endpoint", 7n, 8n);
      await expect(add("https://a b"))
        .to.be.revertedWithCustomError(models, "InvalidCharacter")
        .withArgs("endpoint", 9n);
      await expect(add("https://a\u007f"))
        .to.be.revertedWithCustomError(models, "InvalidCharacter")
        .withArgs("endpoint", 9n);
      await expect(add(ENDPOINT, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(models, "ZeroAddress")
        .withArgs("operator");
      await expect(models.connect(outsider).addDeployment(modelId, operator.address, ENDPOINT))
        .to.be.revertedWithCustomError(models, "NotModelBuilder")
        .withArgs(modelId, outsider.address);
      await expect(models.connect(builder).addDeployment(2n, operator.address, ENDPOINT))
        .to.be.revertedWithCustomError(models, "ModelNotFound")
        .withArgs(2n);
      await models.connect(builder).retireModel(modelId);
      await expect(add(ENDPOINT)).to.be.revertedWithCustomError(models, "ModelIsRetired").withArgs(modelId);
    });

    it("bounds live deployments at 64, counting Paused but not Removed", async () => {
      const { models, builder, operator, modelId } = await loadFixture(modelFixture);
      await models.connect(operator).setDeploymentStatus(1n, Status.Paused);
      for (let i = 1; i < 64; i++) await models.connect(builder).addDeployment(modelId, operator.address, ENDPOINT);
      expect(await models.liveDeploymentCount(modelId)).to.equal(64n);
      await expect(models.connect(builder).addDeployment(modelId, operator.address, ENDPOINT))
        .to.be.revertedWithCustomError(models, "TooManyLiveDeployments")
        .withArgs(modelId, 64n);
      await models.connect(builder).removeDeployment(1n);
      await expect(models.connect(builder).addDeployment(modelId, operator.address, ENDPOINT))
        .to.emit(models, "DeploymentAdded")
        .withArgs(65n, modelId, operator.address, ENDPOINT);
      expect(await models.modelDeployments(modelId)).to.have.length(65);
    });

    it("lets the builder and the operator pause and resume", async () => {
      const { models, builder, operator, deploymentId } = await loadFixture(modelFixture);
      await expect(models.connect(operator).setDeploymentStatus(deploymentId, Status.Paused))
        .to.emit(models, "DeploymentStatusChanged")
        .withArgs(deploymentId, Status.Paused);
      expect((await models.getDeployment(deploymentId)).status).to.equal(BigInt(Status.Paused));
      await expect(models.connect(builder).setDeploymentStatus(deploymentId, Status.Active))
        .to.emit(models, "DeploymentStatusChanged")
        .withArgs(deploymentId, Status.Active);
    });

    it("rejects bad status changes", async () => {
      const { models, builder, operator, outsider, modelId, deploymentId } = await loadFixture(modelFixture);
      await expect(models.connect(outsider).setDeploymentStatus(deploymentId, Status.Paused))
        .to.be.revertedWithCustomError(models, "NotDeploymentManager")
        .withArgs(deploymentId, outsider.address);
      for (const status of [Status.None, Status.Removed]) {
        await expect(models.connect(builder).setDeploymentStatus(deploymentId, status))
          .to.be.revertedWithCustomError(models, "InvalidStatus")
          .withArgs(status);
      }
      await expect(models.connect(builder).setDeploymentStatus(deploymentId, Status.Active))
        .to.be.revertedWithCustomError(models, "StatusUnchanged")
        .withArgs(deploymentId, Status.Active);
      await expect(models.connect(builder).setDeploymentStatus(2n, Status.Active))
        .to.be.revertedWithCustomError(models, "DeploymentNotFound")
        .withArgs(2n);
      await models.connect(operator).setDeploymentStatus(deploymentId, Status.Paused);
      await models.connect(builder).retireModel(modelId);
      await expect(models.connect(builder).setDeploymentStatus(deploymentId, Status.Active))
        .to.be.revertedWithCustomError(models, "ModelIsRetired")
        .withArgs(modelId);
      await models.connect(builder).removeDeployment(deploymentId);
      await expect(models.connect(builder).setDeploymentStatus(deploymentId, Status.Paused))
        .to.be.revertedWithCustomError(models, "DeploymentIsRemoved")
        .withArgs(deploymentId);
    });

    it("lets a retired model's deployments be paused", async () => {
      const { models, builder, operator, modelId, deploymentId } = await loadFixture(modelFixture);
      await models.connect(builder).retireModel(modelId);
      expect((await models.getDeployment(deploymentId)).status).to.equal(BigInt(Status.Active));
      await expect(models.connect(operator).setDeploymentStatus(deploymentId, Status.Paused))
        .to.emit(models, "DeploymentStatusChanged")
        .withArgs(deploymentId, Status.Paused);
    });

    it("removes a deployment by the builder, for good", async () => {
      const { models, builder, operator, modelId, deploymentId } = await loadFixture(modelFixture);
      await expect(models.connect(operator).removeDeployment(deploymentId))
        .to.be.revertedWithCustomError(models, "NotModelBuilder")
        .withArgs(modelId, operator.address);
      await expect(models.connect(builder).removeDeployment(deploymentId))
        .to.emit(models, "DeploymentStatusChanged")
        .withArgs(deploymentId, Status.Removed);
      expect((await models.getDeployment(deploymentId)).status).to.equal(BigInt(Status.Removed));
      expect(await models.liveDeploymentCount(modelId)).to.equal(0n);
      await expect(models.connect(builder).removeDeployment(deploymentId))
        .to.be.revertedWithCustomError(models, "DeploymentIsRemoved")
        .withArgs(deploymentId);
      await expect(models.connect(builder).removeDeployment(7n))
        .to.be.revertedWithCustomError(models, "DeploymentNotFound")
        .withArgs(7n);
    });

    it("lets the operator withdraw its deployment", async () => {
      const { models, builder, operator, modelId, deploymentId } = await loadFixture(modelFixture);
      await expect(models.connect(builder).withdrawDeployment(deploymentId))
        .to.be.revertedWithCustomError(models, "NotDeploymentOperator")
        .withArgs(deploymentId, builder.address);
      await expect(models.connect(operator).withdrawDeployment(deploymentId))
        .to.emit(models, "DeploymentStatusChanged")
        .withArgs(deploymentId, Status.Removed);
      expect(await models.liveDeploymentCount(modelId)).to.equal(0n);
      await expect(models.connect(operator).withdrawDeployment(deploymentId))
        .to.be.revertedWithCustomError(models, "DeploymentIsRemoved")
        .withArgs(deploymentId);
    });

    it("views reject unknown ids", async () => {
      const { models } = await loadFixture(modelFixture);
      await expect(models.getModel(0n)).to.be.revertedWithCustomError(models, "ModelNotFound").withArgs(0n);
      await expect(models.getDeployment(0n)).to.be.revertedWithCustomError(models, "DeploymentNotFound").withArgs(0n);
      await expect(models.modelDeployments(2n)).to.be.revertedWithCustomError(models, "ModelNotFound").withArgs(2n);
      await expect(models.liveDeploymentCount(2n)).to.be.revertedWithCustomError(models, "ModelNotFound").withArgs(2n);
    });
  });

  describe("review hardening", () => {
    it("refuses a name that differs from a taken one only in ASCII case, and finds it either way", async () => {
      const { models, builder, outsider, communityId } = await loadFixture(modelFixture);
      await expect(models.connect(outsider).registerModel("PHO-7B-vi", "vi", communityId, URI, HASH))
        .to.be.revertedWithCustomError(models, "NameTaken")
        .withArgs("PHO-7B-vi", 1n);
      expect(await models.modelIdByName("Pho-7B-Vi")).to.equal(1n);
      expect(await models.modelIdByName("pho-7b")).to.equal(0n);
      await expect(models.connect(builder).registerModel("Pho-7B", "vi", communityId, URI, HASH))
        .to.emit(models, "ModelRegistered")
        .withArgs(2n, builder.address, communityId, "Pho-7B", "vi", URI, HASH);
      expect((await models.getModel(2n)).name).to.equal("Pho-7B");
    });

    it("refuses names with empty, dot or punctuation-led segments", async () => {
      const { models, builder, communityId } = await loadFixture(deployCommunityFixture);
      const register = (name: string) => models.connect(builder).registerModel(name, "vi", communityId, URI, HASH);
      const cases: [string, bigint][] = [
        ["org/", 3n],
        ["org//model", 4n],
        ["org/.hidden", 4n],
        ["org/../admin", 4n],
        ["org/-x", 4n],
        ["/org", 0n],
      ];
      for (const [name, index] of cases) {
        await expect(register(name)).to.be.revertedWithCustomError(models, "InvalidCharacter").withArgs("name", index);
      }
      await expect(register("org/sub/model.v2")).to.emit(models, "ModelRegistered");
      await expect(register("a..b")).to.emit(models, "ModelRegistered");
    });

    it("refuses metadata URIs with non-printable bytes", async () => {
      const { models, builder, communityId, modelId } = await loadFixture(modelFixture);
      await expect(models.connect(builder).registerModel("other", "vi", communityId, "ipfs://\r", HASH))
        .to.be.revertedWithCustomError(models, "InvalidCharacter")
        .withArgs("metadataURI", 7n);
      await expect(models.connect(builder).publishVersion(modelId, HASH, "ipfs://v 2"))
        .to.be.revertedWithCustomError(models, "InvalidCharacter")
        .withArgs("metadataURI", 8n);
    });

    it("lists live deployments, bounded, however many were ever added", async () => {
      const { models, builder, operator, modelId } = await loadFixture(modelFixture);
      const sorted = async () => [...(await models.liveDeployments(modelId))].sort((x, y) => (x < y ? -1 : 1));
      await models.connect(builder).addDeployment(modelId, operator.address, ENDPOINT);
      await models.connect(builder).addDeployment(modelId, operator.address, ENDPOINT);
      await models.connect(operator).setDeploymentStatus(2n, Status.Paused);
      expect(await sorted()).to.deep.equal([1n, 2n, 3n]);
      await models.connect(builder).removeDeployment(1n);
      await models.connect(operator).withdrawDeployment(3n);
      expect(await sorted()).to.deep.equal([2n]);
      // Churn grows the full history but not the live list.
      for (let i = 0; i < 5; i++) {
        await models.connect(builder).addDeployment(modelId, operator.address, ENDPOINT);
        await models.connect(builder).removeDeployment(await models.deploymentCount());
      }
      expect(await models.modelDeployments(modelId)).to.have.length(8);
      expect(await sorted()).to.deep.equal([2n]);
      expect(await models.liveDeploymentCount(modelId)).to.equal(1n);
      await expect(models.liveDeployments(9n)).to.be.revertedWithCustomError(models, "ModelNotFound").withArgs(9n);
    });
  });
});
