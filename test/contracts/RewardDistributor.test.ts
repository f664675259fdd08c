import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import type { Address, Hex } from "viem";
import { buildMerkleTree, rewardLeaf, rewardLeafBytes } from "../../src/protocol";
import type { RewardDistributor } from "../../typechain-types";

const DAY = 24n * 3600n;
const TIMELOCK = DAY;
const FUNDS = ethers.parseEther("1000");

type Entry = { account: Address; amount: bigint };

/** A cumulative reward tree in the protocol's format, with a proof lookup per entry. */
function rewardTree(entries: Entry[]) {
  const tree = buildMerkleTree(entries.map((e) => rewardLeafBytes(e.account, e.amount)));
  return {
    root: tree.root,
    total: entries.reduce((sum, e) => sum + e.amount, 0n),
    proof: (e: Entry): Hex[] => tree.proof(rewardLeaf(e.account, e.amount)),
    tree,
  };
}

describe("RewardDistributor", function () {
  async function deployFixture() {
    const [admin, poster, guardian, funder, alice, bob, carol, stranger] = await ethers.getSigners();
    const token = await ethers.deployContract("KhoToken", [admin!.address]);
    const distributor = await ethers.deployContract("RewardDistributor", [
      await token.getAddress(),
      admin!.address,
      poster!.address,
      guardian!.address,
      TIMELOCK,
    ]);
    await token.connect(admin!).mint(funder!.address, FUNDS * 10n);
    await token.connect(funder!).approve(await distributor.getAddress(), ethers.MaxUint256);
    return {
      token,
      distributor,
      admin: admin!,
      poster: poster!,
      guardian: guardian!,
      funder: funder!,
      alice: alice!,
      bob: bob!,
      carol: carol!,
      stranger: stranger!,
    };
  }

  async function fundedFixture() {
    const base = await deployFixture();
    await base.distributor.connect(base.funder).fund(0n, FUNDS);
    return base;
  }

  async function proposeAndAccept(
    distributor: RewardDistributor,
    poster: { address: string },
    root: Hex,
    epoch: bigint,
    total: bigint,
  ) {
    const signer = await ethers.getSigner(poster.address);
    await distributor.connect(signer).proposeRoot(root, epoch, total, `ipfs://rewards-${epoch}`);
    await time.increase(TIMELOCK);
    await distributor.acceptRoot();
  }

  /** Funded, with an accepted root paying alice 100, bob 250, carol 50 (and a fourth leaf). */
  async function acceptedRootFixture() {
    const base = await fundedFixture();
    const entries: Entry[] = [
      { account: base.alice.address as Address, amount: 100n },
      { account: base.bob.address as Address, amount: 250n },
      { account: base.carol.address as Address, amount: 50n },
      { account: base.stranger.address as Address, amount: 7n },
    ];
    const tree = rewardTree(entries);
    await proposeAndAccept(base.distributor, base.poster, tree.root, 0n, tree.total);
    return { ...base, entries, tree };
  }

  describe("constructor", function () {
    it("stores the token and timelock and grants the roles", async function () {
      const { distributor, token, admin, poster, guardian } = await loadFixture(deployFixture);
      expect(await distributor.token()).to.equal(await token.getAddress());
      expect(await distributor.timelock()).to.equal(TIMELOCK);
      expect(await distributor.hasRole(ethers.ZeroHash, admin.address)).to.equal(true);
      expect(await distributor.hasRole(await distributor.POSTER_ROLE(), poster.address)).to.equal(true);
      expect(await distributor.hasRole(await distributor.GUARDIAN_ROLE(), guardian.address)).to.equal(true);
      const pauser = await distributor.PAUSER_ROLE();
      expect(await distributor.hasRole(pauser, guardian.address)).to.equal(true);
      expect(await distributor.hasRole(pauser, admin.address)).to.equal(true);
      expect(await distributor.root()).to.equal(ethers.ZeroHash);
      expect(await distributor.rootEpoch()).to.equal(0n);
      expect((await distributor.pendingRoot()).root).to.equal(ethers.ZeroHash);
    });

    it("rejects zero addresses and a timelock above the maximum", async function () {
      const { token, admin } = await loadFixture(deployFixture);
      const factory = await ethers.getContractFactory("RewardDistributor");
      const t = await token.getAddress();
      const a = admin.address;
      const z = ethers.ZeroAddress;
      for (const [args, field] of [
        [[z, a, a, a], "token"],
        [[t, a, z, a], "poster"],
        [[t, a, a, z], "guardian"],
      ] as const) {
        await expect(factory.deploy(args[0], args[1], args[2], args[3], TIMELOCK))
          .to.be.revertedWithCustomError(factory, "ZeroAddress")
          .withArgs(field);
      }
      await expect(factory.deploy(t, z, a, a, TIMELOCK))
        .to.be.revertedWithCustomError(factory, "AccessControlInvalidDefaultAdmin")
        .withArgs(z);
      const max = 30n * DAY;
      await expect(factory.deploy(t, a, a, a, max + 1n))
        .to.be.revertedWithCustomError(factory, "TimelockTooLong")
        .withArgs(max + 1n, max);
      await expect(factory.deploy(t, a, a, a, max)).not.to.be.reverted;
      await expect(factory.deploy(t, a, a, a, 0n)).not.to.be.reverted;
    });
  });

  describe("roles", function () {
    it("only the admin manages roles: a poster or guardian cannot grant itself more", async function () {
      const { distributor, poster, guardian } = await loadFixture(deployFixture);
      const adminRole = await distributor.DEFAULT_ADMIN_ROLE();
      const guardianRole = await distributor.GUARDIAN_ROLE();
      const posterRole = await distributor.POSTER_ROLE();
      for (const [caller, role] of [
        [poster, guardianRole],
        [guardian, posterRole],
      ] as const) {
        await expect(distributor.connect(caller).grantRole(role, caller.address))
          .to.be.revertedWithCustomError(distributor, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, adminRole);
      }
      // The admin role itself only moves through the two-step transfer.
      for (const caller of [poster, guardian]) {
        await expect(distributor.connect(caller).grantRole(adminRole, caller.address))
          .to.be.revertedWithCustomError(distributor, "AccessControlEnforcedDefaultAdminRules")
          .withArgs();
      }
      for (const role of [adminRole, guardianRole, posterRole, await distributor.PAUSER_ROLE()]) {
        expect(await distributor.getRoleAdmin(role)).to.equal(adminRole);
      }
    });

    it("never leaves the admin role empty, so a pause can always be lifted", async function () {
      const { distributor, admin, guardian, stranger } = await loadFixture(deployFixture);
      const adminRole = await distributor.DEFAULT_ADMIN_ROLE();
      await distributor.connect(guardian).pause();
      // Renouncing needs a scheduled transfer to the zero address first; revoking the admin role is refused.
      await expect(distributor.connect(admin).renounceRole(adminRole, admin.address))
        .to.be.revertedWithCustomError(distributor, "AccessControlEnforcedDefaultAdminDelay")
        .withArgs(0n);
      await expect(distributor.connect(admin).revokeRole(adminRole, admin.address))
        .to.be.revertedWithCustomError(distributor, "AccessControlEnforcedDefaultAdminRules")
        .withArgs();
      // A handover works in two steps: the admin offers, the successor accepts.
      await distributor.connect(admin).beginDefaultAdminTransfer(stranger.address);
      await distributor.connect(stranger).acceptDefaultAdminTransfer();
      expect(await distributor.defaultAdmin()).to.equal(stranger.address);
      expect(await distributor.hasRole(adminRole, admin.address)).to.equal(false);
      await expect(distributor.connect(stranger).unpause()).to.emit(distributor, "Unpaused");
    });

    it("can re-grant a guardian that renounced", async function () {
      const { distributor, admin, poster, guardian } = await loadFixture(fundedFixture);
      const guardianRole = await distributor.GUARDIAN_ROLE();
      await distributor.connect(guardian).renounceRole(guardianRole, guardian.address);
      await distributor.connect(poster).proposeRoot(ethers.id("bad"), 1n, 1n, "u");
      await expect(distributor.connect(guardian).revokePendingRoot()).to.be.revertedWithCustomError(
        distributor,
        "AccessControlUnauthorizedAccount",
      );
      await distributor.connect(admin).grantRole(guardianRole, guardian.address);
      await expect(distributor.connect(guardian).revokePendingRoot()).to.emit(distributor, "RootRevoked");
    });
  });

  describe("fund", function () {
    it("pulls tokens, credits the epoch and emits Funded", async function () {
      const { distributor, token, funder } = await loadFixture(deployFixture);
      const tx = distributor.connect(funder).fund(3n, FUNDS);
      await expect(tx).to.emit(distributor, "Funded").withArgs(3n, funder.address, FUNDS);
      await expect(tx).to.changeTokenBalances(token, [funder, distributor], [-FUNDS, FUNDS]);
      await distributor.connect(funder).fund(3n, 5n);
      await distributor.connect(funder).fund(4n, 1n);
      expect(await distributor.totalFunded()).to.equal(FUNDS + 6n);
      expect(await distributor.fundedForEpoch(3n)).to.equal(FUNDS + 5n);
      expect(await distributor.fundedForEpoch(4n)).to.equal(1n);
    });

    it("rejects a zero amount and a missing allowance", async function () {
      const { distributor, token, stranger } = await loadFixture(deployFixture);
      await expect(distributor.connect(stranger).fund(0n, 0n)).to.be.revertedWithCustomError(distributor, "ZeroAmount");
      await expect(distributor.connect(stranger).fund(0n, 1n))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
        .withArgs(await distributor.getAddress(), 0n, 1n);
    });

    it("credits only what a fee-on-transfer token delivers", async function () {
      const { admin, funder, poster } = await loadFixture(deployFixture);
      const fee = await ethers.deployContract("FeeOnTransferToken", [1_000n]); // 10%
      const distributor = await ethers.deployContract("RewardDistributor", [
        await fee.getAddress(),
        admin.address,
        poster.address,
        admin.address,
        TIMELOCK,
      ]);
      await fee.mint(funder.address, 1_000n);
      await fee.connect(funder).approve(await distributor.getAddress(), ethers.MaxUint256);
      await expect(distributor.connect(funder).fund(1n, 1_000n))
        .to.emit(distributor, "Funded")
        .withArgs(1n, funder.address, 900n);
      expect(await distributor.totalFunded()).to.equal(900n);
      expect(await distributor.fundedForEpoch(1n)).to.equal(900n);
      expect(await fee.balanceOf(await distributor.getAddress())).to.equal(900n);
      // A root may only promise what actually arrived.
      await expect(distributor.connect(poster).proposeRoot(ethers.id("r"), 1n, 1_000n, "u"))
        .to.be.revertedWithCustomError(distributor, "InsufficientFunding")
        .withArgs(1_000n, 900n);
      // A token that delivers nothing credits nothing.
      await fee.setFee(10_000n);
      await fee.mint(funder.address, 10n);
      await expect(distributor.connect(funder).fund(1n, 10n)).to.be.revertedWithCustomError(distributor, "ZeroAmount");
    });

    it("pays nobody more than their leaf when the token re-enters claim", async function () {
      const { admin, funder, poster, alice, bob } = await loadFixture(deployFixture);
      const evil = await ethers.deployContract("ReentrantToken");
      const distributor = await ethers.deployContract("RewardDistributor", [
        await evil.getAddress(),
        admin.address,
        poster.address,
        admin.address,
        0n,
      ]);
      await evil.mint(funder.address, 1_000n);
      await evil.connect(funder).approve(await distributor.getAddress(), ethers.MaxUint256);
      await distributor.connect(funder).fund(0n, 1_000n);
      const a = { account: alice.address as Address, amount: 100n };
      const b = { account: bob.address as Address, amount: 200n };
      const tree = rewardTree([a, b]);
      await distributor.connect(poster).proposeRoot(tree.root, 0n, tree.total, "u");
      await distributor.acceptRoot();

      // claim writes the account's total before it transfers (CEI), so a re-entrant second claim for
      // the same account finds nothing left to pay, and the whole claim reverts.
      const again = distributor.interface.encodeFunctionData("claim", [a.account, a.amount, tree.proof(a)]);
      await evil.arm(await distributor.getAddress(), again);
      await expect(distributor.claim(a.account, a.amount, tree.proof(a)))
        .to.be.revertedWithCustomError(distributor, "AlreadyClaimed")
        .withArgs(a.account, a.amount);
      expect(await distributor.claimed(a.account)).to.equal(0n);

      // A re-entrant claim for another account is just that account's own claim: each is paid its leaf once.
      const other = distributor.interface.encodeFunctionData("claim", [b.account, b.amount, tree.proof(b)]);
      await evil.arm(await distributor.getAddress(), other);
      await distributor.claim(a.account, a.amount, tree.proof(a));
      expect(await evil.balanceOf(alice.address)).to.equal(100n);
      expect(await evil.balanceOf(bob.address)).to.equal(200n);
      expect(await evil.balanceOf(await distributor.getAddress())).to.equal(700n);
      await expect(distributor.claim(b.account, b.amount, tree.proof(b)))
        .to.be.revertedWithCustomError(distributor, "AlreadyClaimed")
        .withArgs(b.account, b.amount);
    });
  });

  describe("pause", function () {
    it("lets the guardian or admin pause claims and only the admin resume them", async function () {
      const { distributor, admin, guardian, entries, tree } = await loadFixture(acceptedRootFixture);
      const entry = entries[0]!;
      await expect(distributor.connect(guardian).pause()).to.emit(distributor, "Paused").withArgs(guardian.address);
      await expect(distributor.claim(entry.account, entry.amount, tree.proof(entry))).to.be.revertedWithCustomError(
        distributor,
        "EnforcedPause",
      );
      await expect(distributor.connect(guardian).unpause())
        .to.be.revertedWithCustomError(distributor, "AccessControlUnauthorizedAccount")
        .withArgs(guardian.address, ethers.ZeroHash);
      await expect(distributor.connect(admin).unpause()).to.emit(distributor, "Unpaused").withArgs(admin.address);
      await expect(distributor.claim(entry.account, entry.amount, tree.proof(entry))).to.emit(distributor, "Claimed");
      await expect(distributor.connect(admin).pause()).to.emit(distributor, "Paused").withArgs(admin.address);
    });

    it("rejects callers without the pauser role", async function () {
      const { distributor, poster, stranger } = await loadFixture(fundedFixture);
      const role = await distributor.PAUSER_ROLE();
      for (const caller of [poster, stranger]) {
        await expect(distributor.connect(caller).pause())
          .to.be.revertedWithCustomError(distributor, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, role);
      }
    });

    it("keeps funding and root updates working while paused, and resumes on the latest root", async function () {
      const { distributor, admin, guardian, funder, poster, alice } = await loadFixture(fundedFixture);
      await distributor.connect(guardian).pause();
      await expect(distributor.connect(funder).fund(1n, 5n)).to.emit(distributor, "Funded");
      const entry = { account: alice.address as Address, amount: 5n };
      const tree = rewardTree([entry]);
      await distributor.connect(poster).proposeRoot(tree.root, 0n, 5n, "u");
      await time.increase(TIMELOCK);
      await expect(distributor.acceptRoot()).to.emit(distributor, "RootAccepted");
      expect(await distributor.root()).to.equal(tree.root);
      // Accepting a root does not resume claims.
      await expect(distributor.claim(entry.account, entry.amount, tree.proof(entry))).to.be.revertedWithCustomError(
        distributor,
        "EnforcedPause",
      );
      await distributor.connect(admin).unpause();
      await expect(distributor.claim(entry.account, entry.amount, tree.proof(entry)))
        .to.emit(distributor, "Claimed")
        .withArgs(alice.address, 5n, 5n);
    });
  });
});
