import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { type Address, type Hex, concat, keccak256 } from "viem";
import { buildMerkleTree, processProof, rewardLeaf, rewardLeafBytes } from "../../src/protocol";
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
    it("cannot be re-entered from the token", async function () {
      const { admin, funder, poster } = await loadFixture(deployFixture);
      const evil = await ethers.deployContract("ReentrantToken");
      const distributor = await ethers.deployContract("RewardDistributor", [
        await evil.getAddress(),
        admin.address,
        poster.address,
        admin.address,
        TIMELOCK,
      ]);
      await evil.mint(funder.address, 100n);
      await evil.connect(funder).approve(await distributor.getAddress(), ethers.MaxUint256);
      await evil.arm(await distributor.getAddress(), distributor.interface.encodeFunctionData("fund", [0n, 1n]));
      await expect(distributor.connect(funder).fund(0n, 10n)).to.be.revertedWithCustomError(
        distributor,
        "ReentrancyGuardReentrantCall",
      );
    });
  });

  describe("proposeRoot", function () {
    it("stores a pending root behind the timelock and emits RootProposed", async function () {
      const { distributor, poster } = await loadFixture(fundedFixture);
      const root = ethers.id("root-0");
      const now = BigInt(await time.latest()) + 10n;
      await time.setNextBlockTimestamp(now);
      await expect(distributor.connect(poster).proposeRoot(root, 0n, 400n, "ipfs://r0"))
        .to.emit(distributor, "RootProposed")
        .withArgs(root, 0n, 400n, "ipfs://r0", now + TIMELOCK);
      const pending = await distributor.pendingRoot();
      expect(pending.root).to.equal(root);
      expect(pending.epoch).to.equal(0n);
      expect(pending.validAt).to.equal(now + TIMELOCK);
      expect(pending.totalCumulative).to.equal(400n);
      expect(pending.dataURI).to.equal("ipfs://r0");
      // Proposing does not change the root claims use.
      expect(await distributor.root()).to.equal(ethers.ZeroHash);
    });

    it("is poster-only", async function () {
      const { distributor, guardian, admin } = await loadFixture(fundedFixture);
      const role = await distributor.POSTER_ROLE();
      for (const caller of [guardian, admin]) {
        await expect(distributor.connect(caller).proposeRoot(ethers.id("r"), 0n, 1n, "u"))
          .to.be.revertedWithCustomError(distributor, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, role);
      }
    });

    it("rejects a zero root and a bad data URI", async function () {
      const { distributor, poster } = await loadFixture(fundedFixture);
      const max = await distributor.MAX_DATA_URI_LENGTH();
      await expect(distributor.connect(poster).proposeRoot(ethers.ZeroHash, 0n, 1n, "u")).to.be.revertedWithCustomError(
        distributor,
        "ZeroRoot",
      );
      await expect(distributor.connect(poster).proposeRoot(ethers.id("r"), 0n, 1n, ""))
        .to.be.revertedWithCustomError(distributor, "InvalidDataURILength")
        .withArgs(0n, max);
      await expect(distributor.connect(poster).proposeRoot(ethers.id("r"), 0n, 1n, "x".repeat(Number(max) + 1)))
        .to.be.revertedWithCustomError(distributor, "InvalidDataURILength")
        .withArgs(max + 1n, max);
    });

    it("refuses to replace a pending root", async function () {
      const { distributor, poster } = await loadFixture(fundedFixture);
      const first = ethers.id("first");
      await distributor.connect(poster).proposeRoot(first, 0n, 1n, "u");
      await expect(distributor.connect(poster).proposeRoot(ethers.id("second"), 1n, 2n, "u"))
        .to.be.revertedWithCustomError(distributor, "PendingRootExists")
        .withArgs(first);
    });

    it("requires a later epoch and a non-decreasing total than the current root", async function () {
      const { distributor, poster, tree } = await loadFixture(acceptedRootFixture);
      await expect(distributor.connect(poster).proposeRoot(ethers.id("r"), 0n, tree.total, "u"))
        .to.be.revertedWithCustomError(distributor, "EpochNotAfterRoot")
        .withArgs(0n, 0n);
      await expect(distributor.connect(poster).proposeRoot(ethers.id("r"), 1n, tree.total - 1n, "u"))
        .to.be.revertedWithCustomError(distributor, "TotalCumulativeDecreased")
        .withArgs(tree.total - 1n, tree.total);
      await expect(distributor.connect(poster).proposeRoot(ethers.id("r"), 1n, tree.total, "u")).to.emit(
        distributor,
        "RootProposed",
      );
    });

    it("rejects a total above what was funded", async function () {
      const { distributor, poster } = await loadFixture(fundedFixture);
      await expect(distributor.connect(poster).proposeRoot(ethers.id("r"), 0n, FUNDS + 1n, "u"))
        .to.be.revertedWithCustomError(distributor, "InsufficientFunding")
        .withArgs(FUNDS + 1n, FUNDS);
      await expect(distributor.connect(poster).proposeRoot(ethers.id("r"), 0n, FUNDS, "u")).to.emit(
        distributor,
        "RootProposed",
      );
    });
  });

  describe("acceptRoot", function () {
    it("waits for the timelock, then anyone can accept", async function () {
      const { distributor, poster, stranger } = await loadFixture(fundedFixture);
      const root = ethers.id("root");
      const proposedAt = BigInt(await time.latest()) + 10n;
      await time.setNextBlockTimestamp(proposedAt);
      await distributor.connect(poster).proposeRoot(root, 5n, 300n, "ipfs://r");
      const validAt = proposedAt + TIMELOCK;

      await time.setNextBlockTimestamp(validAt - 1n);
      await expect(distributor.connect(stranger).acceptRoot())
        .to.be.revertedWithCustomError(distributor, "TimelockNotExpired")
        .withArgs(validAt, validAt - 1n);

      await time.setNextBlockTimestamp(validAt);
      await expect(distributor.connect(stranger).acceptRoot())
        .to.emit(distributor, "RootAccepted")
        .withArgs(root, 5n, 300n, stranger.address);
      expect(await distributor.root()).to.equal(root);
      expect(await distributor.rootEpoch()).to.equal(5n);
      const current = await distributor.currentRoot();
      expect(current.totalCumulative).to.equal(300n);
      expect(current.dataURI).to.equal("ipfs://r");
      expect(current.acceptedAt).to.equal(validAt);
      expect((await distributor.pendingRoot()).root).to.equal(ethers.ZeroHash);
    });

    it("fails without a pending root", async function () {
      const { distributor, stranger } = await loadFixture(fundedFixture);
      await expect(distributor.connect(stranger).acceptRoot()).to.be.revertedWithCustomError(
        distributor,
        "NoPendingRoot",
      );
    });

    it("works at once with a zero timelock", async function () {
      const { token, admin, poster, funder } = await loadFixture(deployFixture);
      const instant = await ethers.deployContract("RewardDistributor", [
        await token.getAddress(),
        admin.address,
        poster.address,
        admin.address,
        0n,
      ]);
      await token.connect(funder).approve(await instant.getAddress(), 10n);
      await instant.connect(funder).fund(0n, 10n);
      await instant.connect(poster).proposeRoot(ethers.id("r"), 0n, 10n, "u");
      await expect(instant.acceptRoot()).to.emit(instant, "RootAccepted");
    });
  });

  describe("revokePendingRoot", function () {
    it("lets the guardian discard the pending root", async function () {
      const { distributor, poster, guardian } = await loadFixture(fundedFixture);
      const root = ethers.id("bad");
      await distributor.connect(poster).proposeRoot(root, 2n, 10n, "u");
      await expect(distributor.connect(guardian).revokePendingRoot())
        .to.emit(distributor, "RootRevoked")
        .withArgs(root, 2n, guardian.address);
      expect((await distributor.pendingRoot()).root).to.equal(ethers.ZeroHash);
      await time.increase(TIMELOCK);
      await expect(distributor.acceptRoot()).to.be.revertedWithCustomError(distributor, "NoPendingRoot");
      // The poster can propose again once the guardian cleared the way.
      await expect(distributor.connect(poster).proposeRoot(ethers.id("good"), 2n, 10n, "u")).to.emit(
        distributor,
        "RootProposed",
      );
    });

    it("is guardian-only and needs a pending root", async function () {
      const { distributor, poster, guardian, admin } = await loadFixture(fundedFixture);
      const role = await distributor.GUARDIAN_ROLE();
      await expect(distributor.connect(guardian).revokePendingRoot()).to.be.revertedWithCustomError(
        distributor,
        "NoPendingRoot",
      );
      await distributor.connect(poster).proposeRoot(ethers.id("r"), 0n, 1n, "u");
      for (const caller of [poster, admin]) {
        await expect(distributor.connect(caller).revokePendingRoot())
          .to.be.revertedWithCustomError(distributor, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, role);
      }
    });
  });

  describe("claim", function () {
    it("pays the cumulative amount to the account and emits Claimed", async function () {
      const { distributor, token, alice, stranger, entries, tree } = await loadFixture(acceptedRootFixture);
      const entry = entries[0]!;
      // Anyone may submit the claim; the tokens go to the account.
      const tx = distributor.connect(stranger).claim(entry.account, entry.amount, tree.proof(entry));
      await expect(tx).to.emit(distributor, "Claimed").withArgs(alice.address, 100n, 100n);
      await expect(tx).to.changeTokenBalances(token, [alice, stranger, distributor], [100n, 0n, -100n]);
      expect(await distributor.claimed(alice.address)).to.equal(100n);
    });

    it("returns the amount paid", async function () {
      const { distributor, entries, tree } = await loadFixture(acceptedRootFixture);
      const entry = entries[1]!;
      expect(await distributor.claim.staticCall(entry.account, entry.amount, tree.proof(entry))).to.equal(250n);
    });

    it("rejects a double claim", async function () {
      const { distributor, entries, tree } = await loadFixture(acceptedRootFixture);
      const entry = entries[0]!;
      await distributor.claim(entry.account, entry.amount, tree.proof(entry));
      await expect(distributor.claim(entry.account, entry.amount, tree.proof(entry)))
        .to.be.revertedWithCustomError(distributor, "AlreadyClaimed")
        .withArgs(entry.account, entry.amount);
    });

    it("pays only the difference under a later root", async function () {
      const { distributor, token, poster, alice, bob, entries, tree } = await loadFixture(acceptedRootFixture);
      await distributor.claim(entries[0]!.account, 100n, tree.proof(entries[0]!));
      const next = rewardTree([
        { account: alice.address as Address, amount: 160n },
        { account: bob.address as Address, amount: 250n },
      ]);
      await proposeAndAccept(distributor, poster, next.root, 1n, tree.total + 60n);
      const tx = distributor.claim(
        alice.address,
        160n,
        next.proof({ account: alice.address as Address, amount: 160n }),
      );
      await expect(tx).to.emit(distributor, "Claimed").withArgs(alice.address, 60n, 160n);
      await expect(tx).to.changeTokenBalance(token, alice, 60n);
      // Bob never claimed under the first root: one claim covers both epochs.
      await expect(distributor.claim(bob.address, 250n, next.proof({ account: bob.address as Address, amount: 250n })))
        .to.emit(distributor, "Claimed")
        .withArgs(bob.address, 250n, 250n);
    });

    it("rejects a proof from an older root once a new root is accepted", async function () {
      const { distributor, poster, bob, entries, tree } = await loadFixture(acceptedRootFixture);
      const next = rewardTree([{ account: bob.address as Address, amount: 300n }, ...entries.slice(2)]);
      await proposeAndAccept(distributor, poster, next.root, 1n, tree.total + 50n);
      const stale = entries[0]!;
      await expect(distributor.claim(stale.account, stale.amount, tree.proof(stale)))
        .to.be.revertedWithCustomError(distributor, "InvalidProof")
        .withArgs(stale.account, stale.amount);
    });

    it("rejects a wrong amount, account or proof", async function () {
      const { distributor, bob, entries, tree } = await loadFixture(acceptedRootFixture);
      const entry = entries[0]!;
      await expect(distributor.claim(entry.account, entry.amount + 1n, tree.proof(entry)))
        .to.be.revertedWithCustomError(distributor, "InvalidProof")
        .withArgs(entry.account, entry.amount + 1n);
      await expect(distributor.claim(bob.address, entry.amount, tree.proof(entry)))
        .to.be.revertedWithCustomError(distributor, "InvalidProof")
        .withArgs(bob.address, entry.amount);
      await expect(distributor.claim(entry.account, entry.amount, []))
        .to.be.revertedWithCustomError(distributor, "InvalidProof")
        .withArgs(entry.account, entry.amount);
      await expect(distributor.claim(ethers.ZeroAddress, 1n, tree.proof(entry))).to.be.revertedWithCustomError(
        distributor,
        "ZeroAddress",
      );
    });

    it("cannot claim before the timelock or after a revoke", async function () {
      const { distributor, poster, guardian, alice } = await loadFixture(fundedFixture);
      const entry = { account: alice.address as Address, amount: 10n };
      const tree = rewardTree([entry, { account: poster.address as Address, amount: 1n }]);
      // A single-leaf-like claim against no root at all.
      await expect(distributor.claim(entry.account, entry.amount, tree.proof(entry)))
        .to.be.revertedWithCustomError(distributor, "InvalidProof")
        .withArgs(entry.account, entry.amount);
      await distributor.connect(poster).proposeRoot(tree.root, 0n, tree.total, "u");
      await expect(distributor.claim(entry.account, entry.amount, tree.proof(entry))).to.be.revertedWithCustomError(
        distributor,
        "InvalidProof",
      );
      await distributor.connect(guardian).revokePendingRoot();
      await time.increase(TIMELOCK);
      await expect(distributor.claim(entry.account, entry.amount, tree.proof(entry))).to.be.revertedWithCustomError(
        distributor,
        "InvalidProof",
      );
    });

    it("does not pay an account whose cumulative amount a later root lowered", async function () {
      const { distributor, poster, alice, bob, entries, tree } = await loadFixture(acceptedRootFixture);
      await distributor.claim(alice.address, 100n, tree.proof(entries[0]!));
      const lowered = { account: alice.address as Address, amount: 40n };
      const next = rewardTree([lowered, { account: bob.address as Address, amount: 400n }]);
      await proposeAndAccept(distributor, poster, next.root, 1n, 440n);
      await expect(distributor.claim(alice.address, 40n, next.proof(lowered)))
        .to.be.revertedWithCustomError(distributor, "AlreadyClaimed")
        .withArgs(alice.address, 40n);
    });

    it("leaves are double-hashed, so an inner node cannot be claimed as a leaf", async function () {
      const { distributor, poster, alice, bob, carol, stranger } = await loadFixture(fundedFixture);
      const entries: Entry[] = [alice, bob, carol, stranger, poster].map((s, i) => ({
        account: s.address as Address,
        amount: BigInt(i + 1) * 10n,
      }));
      const tree = rewardTree(entries);
      await proposeAndAccept(distributor, poster, tree.root, 0n, tree.total);

      // Take a leaf's sibling pair: its parent is an inner node, and the rest of the leaf's proof
      // leads from that parent to the root.
      const proof = tree.proof(entries[0]!);
      const leaf = rewardLeaf(entries[0]!.account, entries[0]!.amount);
      const [lo, hi] = [leaf, proof[0]!].sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1));
      const innerPreimage = concat([lo!, hi!]); // the 64 bytes hashed into the inner node
      const inner = keccak256(innerPreimage);
      const rest = proof.slice(1);
      expect(processProof(inner, rest)).to.equal(tree.root);

      // Were leaves single-hashed, claim(word0, word1, rest) would compute keccak256(abi.encode(word0, word1))
      // = inner and pass. The contract hashes twice, so the same 64 bytes and proof are refused.
      const selector = distributor.interface.getFunction("claim").selector;
      const offsetWord = ethers.toBeHex(96n, 32);
      const calldata = ethers.concat([
        selector,
        innerPreimage,
        offsetWord,
        `0x${ethers.AbiCoder.defaultAbiCoder().encode(["bytes32[]"], [rest]).slice(66)}`,
      ]);
      await expect(poster.sendTransaction({ to: await distributor.getAddress(), data: calldata })).to.be.reverted;

      // The same check with an address-shaped first word, so the ABI decoder accepts it and the
      // proof check itself must refuse: a tree built from single-hashed leaves is not claimable.
      const coder = ethers.AbiCoder.defaultAbiCoder();
      const singleLeaves = entries.map((e) =>
        ethers.getBytes(ethers.keccak256(coder.encode(["address", "uint256"], [e.account, e.amount]))),
      );
      const singleTree = buildMerkleTree(singleLeaves);
      const dist2 = await ethers.deployContract("RewardDistributor", [
        await distributor.token(),
        poster.address,
        poster.address,
        poster.address,
        0n,
      ]);
      const token = await ethers.getContractAt("KhoToken", await distributor.token());
      const [, , , funder] = await ethers.getSigners();
      await token.connect(funder!).approve(await dist2.getAddress(), tree.total);
      await dist2.connect(funder!).fund(0n, tree.total);
      await dist2.connect(poster).proposeRoot(singleTree.root, 0n, tree.total, "u");
      await dist2.acceptRoot();
      const e0 = entries[0]!;
      const singleProof = singleTree.proof(ethers.hexlify(singleLeaves[0]!) as Hex);
      await expect(dist2.claim(e0.account, e0.amount, singleProof))
        .to.be.revertedWithCustomError(dist2, "InvalidProof")
        .withArgs(e0.account, e0.amount);
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
