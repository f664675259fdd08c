import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployCoreFixture } from "./helpers/fixtures";

describe("KhoToken", () => {
  it("has the Kho metadata and the given owner", async () => {
    const { token, admin } = await loadFixture(deployCoreFixture);
    expect(await token.name()).to.equal("Kho");
    expect(await token.symbol()).to.equal("KHO");
    expect(await token.decimals()).to.equal(18n);
    expect(await token.owner()).to.equal(admin.address);
  });

  it("rejects a zero initial owner", async () => {
    const factory = await ethers.getContractFactory("KhoToken");
    await expect(ethers.deployContract("KhoToken", [ethers.ZeroAddress]))
      .to.be.revertedWithCustomError(factory, "OwnableInvalidOwner")
      .withArgs(ethers.ZeroAddress);
  });

  describe("mint", () => {
    it("lets the owner mint and emits Transfer", async () => {
      const { token, admin, outsider } = await loadFixture(deployCoreFixture);
      const supply = await token.totalSupply();
      await expect(token.connect(admin).mint(outsider.address, 5n))
        .to.emit(token, "Transfer")
        .withArgs(ethers.ZeroAddress, outsider.address, 5n);
      expect(await token.balanceOf(outsider.address)).to.equal(5n);
      expect(await token.totalSupply()).to.equal(supply + 5n);
    });

    it("rejects anyone but the owner", async () => {
      const { token, outsider } = await loadFixture(deployCoreFixture);
      await expect(token.connect(outsider).mint(outsider.address, 1n))
        .to.be.revertedWithCustomError(token, "OwnableUnauthorizedAccount")
        .withArgs(outsider.address);
    });
  });

  describe("permit", () => {
    it("sets an allowance from an EIP-712 signature", async () => {
      const { token, stakers, outsider } = await loadFixture(deployCoreFixture);
      const owner = stakers[0];
      const deadline = BigInt(await time.latest()) + 3600n;
      const domain = {
        name: "Kho",
        version: "1",
        chainId: (await ethers.provider.getNetwork()).chainId,
        verifyingContract: await token.getAddress(),
      };
      const types = {
        Permit: [
          { name: "owner", type: "address" },
          { name: "spender", type: "address" },
          { name: "value", type: "uint256" },
          { name: "nonce", type: "uint256" },
          { name: "deadline", type: "uint256" },
        ],
      };
      const value = 123n;
      const nonce = await token.nonces(owner.address);
      const signature = ethers.Signature.from(
        await owner.signTypedData(domain, types, {
          owner: owner.address,
          spender: outsider.address,
          value,
          nonce,
          deadline,
        }),
      );
      await expect(
        token.permit(owner.address, outsider.address, value, deadline, signature.v, signature.r, signature.s),
      )
        .to.emit(token, "Approval")
        .withArgs(owner.address, outsider.address, value);
      expect(await token.allowance(owner.address, outsider.address)).to.equal(value);
      expect(await token.nonces(owner.address)).to.equal(nonce + 1n);
    });
  });
});
