import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { expect } from "chai";
import { ethers } from "hardhat";
import type { Hex } from "viem";
import {
  type InferenceReceipt,
  type InferenceRequest,
  INFERENCE_REQUEST_TYPE_STRING,
  RECEIPT_TYPE_STRING,
  UserKind,
  ZERO_BYTES32,
  addressUserId,
  attributionHash,
  batchLeafBytes,
  batchLeaf,
  buildMerkleTree,
  hashBatchHeader,
  hashInferenceRequest,
  hashReceipt,
  inferenceRequestTypes,
  receiptTypes,
} from "../../src/protocol";
import type { UsageLedger } from "../../typechain-types";

const HOUR = 3600n;
const DAY = 24n * HOUR;
const EPOCH_LENGTH = DAY;
const GRACE = HOUR;
const SECP256K1_N = BigInt("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");

const ledgerName = "Kho UsageLedger";

function randomHex32(): Hex {
  return ethers.hexlify(ethers.randomBytes(32)) as Hex;
}

function makeReceipt(overrides: Partial<InferenceReceipt> = {}): InferenceReceipt {
  return {
    requestId: randomHex32(),
    modelId: 1n,
    deploymentId: 2n,
    communityId: 3n,
    userId: randomHex32(),
    userKind: UserKind.SaltedHash,
    inputHash: randomHex32(),
    outputHash: randomHex32(),
    timestamp: 1_700_000_000n,
    epoch: 0n,
    fee: 0n,
    payer: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    userAuth: ZERO_BYTES32,
    attributionHash: ZERO_BYTES32,
    ...overrides,
  };
}

async function domainOf(ledger: UsageLedger, chainId?: bigint) {
  return {
    name: ledgerName,
    version: "1",
    chainId: chainId ?? (await ethers.provider.getNetwork()).chainId,
    verifyingContract: await ledger.getAddress(),
  };
}

async function signReceipt(
  signer: HardhatEthersSigner,
  ledger: UsageLedger,
  receipt: InferenceReceipt,
  chainId?: bigint,
): Promise<Hex> {
  const types = { InferenceReceipt: [...receiptTypes.InferenceReceipt] };
  return (await signer.signTypedData(await domainOf(ledger, chainId), types, receipt)) as Hex;
}

/** The same signature with s replaced by n - s and v flipped: valid for ecrecover, rejected by OZ. */
function malleate(signature: Hex): Hex {
  const sig = ethers.Signature.from(signature);
  const highS = SECP256K1_N - BigInt(sig.s);
  const v = sig.v === 27 ? 28 : 27;
  return ethers.concat([sig.r, ethers.toBeHex(highS, 32), ethers.toBeHex(v, 1)]) as Hex;
}

async function ledgerChain(ledger: UsageLedger) {
  return { chainId: (await ethers.provider.getNetwork()).chainId, ledger: (await ledger.getAddress()) as Hex };
}

describe("UsageLedger", function () {
  async function deployFixture() {
    const [admin, relayer, relayer2, stranger, user] = await ethers.getSigners();
    const genesis = BigInt(await time.latest()) + 100n;
    const ledger = await ethers.deployContract("UsageLedger", [admin.address, genesis, EPOCH_LENGTH, GRACE]);
    await time.increaseTo(genesis);
    return { ledger, admin, relayer: relayer!, relayer2: relayer2!, stranger: stranger!, user: user!, genesis };
  }

  async function withRelayerFixture() {
    const base = await deployFixture();
    await base.ledger.connect(base.admin).addRelayer(base.relayer.address);
    return base;
  }

  describe("constructor", function () {
    it("stores the clock and grants the admin role", async function () {
      const { ledger, admin, genesis } = await loadFixture(deployFixture);
      expect(await ledger.genesis()).to.equal(genesis);
      expect(await ledger.epochLength()).to.equal(EPOCH_LENGTH);
      expect(await ledger.batchGracePeriod()).to.equal(GRACE);
      expect(await ledger.hasRole(await ledger.DEFAULT_ADMIN_ROLE(), admin.address)).to.equal(true);
      expect(await ledger.RELAYER_ROLE()).to.equal(ethers.id("RELAYER_ROLE"));
    });

    it("exposes its EIP-712 domain (EIP-5267)", async function () {
      const { ledger } = await loadFixture(deployFixture);
      const domain = await ledger.eip712Domain();
      expect(domain.name).to.equal(ledgerName);
      expect(domain.version).to.equal("1");
      expect(domain.chainId).to.equal((await ethers.provider.getNetwork()).chainId);
      expect(domain.verifyingContract).to.equal(await ledger.getAddress());
    });

    it("publishes the protocol type hashes", async function () {
      const { ledger } = await loadFixture(deployFixture);
      expect(await ledger.RECEIPT_TYPEHASH()).to.equal(ethers.id(RECEIPT_TYPE_STRING));
      expect(await ledger.INFERENCE_REQUEST_TYPEHASH()).to.equal(ethers.id(INFERENCE_REQUEST_TYPE_STRING));
    });

    it("rejects invalid arguments", async function () {
      const [admin] = await ethers.getSigners();
      const factory = await ethers.getContractFactory("UsageLedger");
      const max = await (await loadFixture(deployFixture)).ledger.MAX_EPOCH_LENGTH();
      await expect(factory.deploy(ethers.ZeroAddress, 1n, DAY, HOUR))
        .to.be.revertedWithCustomError(factory, "AccessControlInvalidDefaultAdmin")
        .withArgs(ethers.ZeroAddress);
      await expect(factory.deploy(admin!.address, 0n, DAY, HOUR))
        .to.be.revertedWithCustomError(factory, "InvalidGenesis")
        .withArgs(0n);
      await expect(factory.deploy(admin!.address, 1n, 0n, 0n))
        .to.be.revertedWithCustomError(factory, "InvalidEpochLength")
        .withArgs(0n, max);
      await expect(factory.deploy(admin!.address, 1n, max + 1n, 0n))
        .to.be.revertedWithCustomError(factory, "InvalidEpochLength")
        .withArgs(max + 1n, max);
      await expect(factory.deploy(admin!.address, 1n, DAY, DAY + 1n))
        .to.be.revertedWithCustomError(factory, "InvalidBatchGracePeriod")
        .withArgs(DAY + 1n, DAY);
      await expect(factory.deploy(admin!.address, 1n, max, max)).not.to.be.reverted;
    });
  });

  describe("relayers", function () {
    it("addRelayer grants the role and emits RelayerAdded and RoleGranted", async function () {
      const { ledger, admin, relayer } = await loadFixture(deployFixture);
      const role = await ledger.RELAYER_ROLE();
      await expect(ledger.connect(admin).addRelayer(relayer.address))
        .to.emit(ledger, "RelayerAdded")
        .withArgs(relayer.address, admin.address)
        .and.to.emit(ledger, "RoleGranted")
        .withArgs(role, relayer.address, admin.address);
      expect(await ledger.isRelayer(relayer.address)).to.equal(true);
    });

    it("addRelayer rejects non-admins, the zero address and existing relayers", async function () {
      const { ledger, admin, relayer, stranger } = await loadFixture(withRelayerFixture);
      await expect(ledger.connect(stranger).addRelayer(stranger.address))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, ethers.ZeroHash);
      await expect(ledger.connect(admin).addRelayer(ethers.ZeroAddress))
        .to.be.revertedWithCustomError(ledger, "ZeroAddress")
        .withArgs("relayer");
      await expect(ledger.connect(admin).addRelayer(relayer.address))
        .to.be.revertedWithCustomError(ledger, "RelayerAlreadyAdded")
        .withArgs(relayer.address);
    });

    it("revokeRelayer removes the role and emits RelayerRevoked and RoleRevoked", async function () {
      const { ledger, admin, relayer } = await loadFixture(withRelayerFixture);
      const role = await ledger.RELAYER_ROLE();
      await expect(ledger.connect(admin).revokeRelayer(relayer.address))
        .to.emit(ledger, "RelayerRevoked")
        .withArgs(relayer.address, admin.address)
        .and.to.emit(ledger, "RoleRevoked")
        .withArgs(role, relayer.address, admin.address);
      expect(await ledger.isRelayer(relayer.address)).to.equal(false);
    });

    it("revokeRelayer rejects non-admins and non-relayers", async function () {
      const { ledger, admin, relayer, stranger } = await loadFixture(withRelayerFixture);
      await expect(ledger.connect(relayer).revokeRelayer(relayer.address))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(relayer.address, ethers.ZeroHash);
      await expect(ledger.connect(admin).revokeRelayer(stranger.address))
        .to.be.revertedWithCustomError(ledger, "NotRelayer")
        .withArgs(stranger.address);
    });

    it("rotateRelayer swaps keys in one transaction", async function () {
      const { ledger, admin, relayer, relayer2 } = await loadFixture(withRelayerFixture);
      await expect(ledger.connect(admin).rotateRelayer(relayer.address, relayer2.address))
        .to.emit(ledger, "RelayerRevoked")
        .withArgs(relayer.address, admin.address)
        .and.to.emit(ledger, "RelayerAdded")
        .withArgs(relayer2.address, admin.address);
      expect(await ledger.isRelayer(relayer.address)).to.equal(false);
      expect(await ledger.isRelayer(relayer2.address)).to.equal(true);
    });

    it("rotateRelayer validates both keys and the caller", async function () {
      const { ledger, admin, relayer, relayer2, stranger } = await loadFixture(withRelayerFixture);
      await expect(ledger.connect(stranger).rotateRelayer(relayer.address, stranger.address))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, ethers.ZeroHash);
      await expect(ledger.connect(admin).rotateRelayer(relayer2.address, stranger.address))
        .to.be.revertedWithCustomError(ledger, "NotRelayer")
        .withArgs(relayer2.address);
      await expect(ledger.connect(admin).rotateRelayer(relayer.address, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(ledger, "ZeroAddress")
        .withArgs("relayer");
      await ledger.connect(admin).addRelayer(relayer2.address);
      await expect(ledger.connect(admin).rotateRelayer(relayer.address, relayer2.address))
        .to.be.revertedWithCustomError(ledger, "RelayerAlreadyAdded")
        .withArgs(relayer2.address);
      expect(await ledger.isRelayer(relayer.address)).to.equal(true);
    });

    it("emits the relayer events on grantRole and renounceRole too", async function () {
      const { ledger, admin, relayer } = await loadFixture(deployFixture);
      const role = await ledger.RELAYER_ROLE();
      await expect(ledger.connect(admin).grantRole(role, relayer.address))
        .to.emit(ledger, "RelayerAdded")
        .withArgs(relayer.address, admin.address);
      await expect(ledger.connect(relayer).renounceRole(role, relayer.address))
        .to.emit(ledger, "RelayerRevoked")
        .withArgs(relayer.address, relayer.address);
    });

    it("does not emit relayer events for other roles or for no-op grants", async function () {
      const { ledger, admin, relayer, stranger } = await loadFixture(withRelayerFixture);
      const role = await ledger.RELAYER_ROLE();
      const otherRole = ethers.id("OTHER_ROLE");
      await expect(ledger.connect(admin).grantRole(otherRole, stranger.address)).not.to.emit(ledger, "RelayerAdded");
      await expect(ledger.connect(admin).revokeRole(otherRole, stranger.address)).not.to.emit(ledger, "RelayerRevoked");
      await expect(ledger.connect(admin).grantRole(role, relayer.address)).not.to.emit(ledger, "RelayerAdded");
      await expect(ledger.connect(admin).revokeRole(role, stranger.address)).not.to.emit(ledger, "RelayerRevoked");
    });
  });

  describe("admin", function () {
    it("can be handed over in two steps but never left empty by accident", async function () {
      const { ledger, admin, stranger } = await loadFixture(deployFixture);
      const adminRole = await ledger.DEFAULT_ADMIN_ROLE();
      await expect(ledger.connect(admin).renounceRole(adminRole, admin.address))
        .to.be.revertedWithCustomError(ledger, "AccessControlEnforcedDefaultAdminDelay")
        .withArgs(0n);
      await expect(ledger.connect(admin).revokeRole(adminRole, admin.address))
        .to.be.revertedWithCustomError(ledger, "AccessControlEnforcedDefaultAdminRules")
        .withArgs();
      await expect(ledger.connect(admin).grantRole(adminRole, stranger.address))
        .to.be.revertedWithCustomError(ledger, "AccessControlEnforcedDefaultAdminRules")
        .withArgs();
      await ledger.connect(admin).beginDefaultAdminTransfer(stranger.address);
      await expect(ledger.connect(stranger).acceptDefaultAdminTransfer())
        .to.emit(ledger, "RoleRevoked")
        .withArgs(adminRole, admin.address, stranger.address);
      expect(await ledger.hasRole(adminRole, admin.address)).to.equal(false);
      // The successor manages relayers.
      await expect(ledger.connect(stranger).addRelayer(admin.address)).to.emit(ledger, "RelayerAdded");
    });
  });

  describe("epoch clock", function () {
    it("maps timestamps to epochs", async function () {
      const { ledger, genesis } = await loadFixture(deployFixture);
      expect(await ledger.epochAt(genesis)).to.equal(0n);
      expect(await ledger.epochAt(genesis + EPOCH_LENGTH - 1n)).to.equal(0n);
      expect(await ledger.epochAt(genesis + EPOCH_LENGTH)).to.equal(1n);
      expect(await ledger.epochAt(genesis + 10n * EPOCH_LENGTH + 5n)).to.equal(10n);
      expect(await ledger.epochStart(0n)).to.equal(genesis);
      expect(await ledger.epochStart(3n)).to.equal(genesis + 3n * EPOCH_LENGTH);
      expect(await ledger.epochStart(2n ** 64n - 1n)).to.equal(genesis + (2n ** 64n - 1n) * EPOCH_LENGTH);
    });

    it("reports the current epoch", async function () {
      const { ledger, genesis } = await loadFixture(deployFixture);
      expect(await ledger.currentEpoch()).to.equal(0n);
      await time.increaseTo(genesis + 2n * EPOCH_LENGTH);
      expect(await ledger.currentEpoch()).to.equal(2n);
    });

    it("rejects timestamps before genesis", async function () {
      const { ledger, genesis } = await loadFixture(deployFixture);
      await expect(ledger.epochAt(genesis - 1n))
        .to.be.revertedWithCustomError(ledger, "BeforeGenesis")
        .withArgs(genesis - 1n, genesis);
      const [admin] = await ethers.getSigners();
      const future = BigInt(await time.latest()) + DAY;
      const early = await ethers.deployContract("UsageLedger", [admin!.address, future, EPOCH_LENGTH, GRACE]);
      await expect(early.currentEpoch()).to.be.revertedWithCustomError(early, "BeforeGenesis");
    });

    it("makes an epoch final once its grace period has passed", async function () {
      const { ledger, genesis } = await loadFixture(deployFixture);
      const closesAt = genesis + EPOCH_LENGTH + GRACE;
      expect(await ledger.isEpochFinal(0n)).to.equal(false);
      await time.increaseTo(closesAt - 1n);
      expect(await ledger.isEpochFinal(0n)).to.equal(false);
      await time.increaseTo(closesAt);
      expect(await ledger.isEpochFinal(0n)).to.equal(true);
      expect(await ledger.isEpochFinal(1n)).to.equal(false);
    });
  });

  describe("submitBatch", function () {
    const root = ethers.id("root");
    const dataHash = ethers.id("data");

    it("commits the header's hash and emits BatchSubmitted", async function () {
      const { ledger, relayer } = await loadFixture(withRelayerFixture);
      const tx = ledger.connect(relayer).submitBatch(0n, 1n, root, 5, "ipfs://batch-1", dataHash);
      await expect(tx)
        .to.emit(ledger, "BatchSubmitted")
        .withArgs(relayer.address, 1n, 0n, root, 5n, "ipfs://batch-1", dataHash);
      const header = { epoch: 0n, root: root as Hex, count: 5, dataHash: dataHash as Hex };
      expect(await ledger.batchCommitment(relayer.address, 1n)).to.equal(hashBatchHeader(header));
      expect(await ledger.hashBatchHeader(header)).to.equal(hashBatchHeader(header));
      expect(await ledger.isBatchCommitted(relayer.address, 1n, header)).to.equal(true);
      expect(await ledger.lastBatchId(relayer.address)).to.equal(1n);
    });

    it("isBatchCommitted refuses any other header, id or relayer", async function () {
      const { ledger, admin, relayer, relayer2 } = await loadFixture(withRelayerFixture);
      await ledger.connect(admin).addRelayer(relayer2.address);
      await ledger.connect(relayer).submitBatch(0n, 1n, root, 5, "u", dataHash);
      const header = { epoch: 0n, root, count: 5, dataHash };
      for (const changed of [
        { ...header, epoch: 1n },
        { ...header, root: ethers.id("other root") },
        { ...header, count: 6 },
        { ...header, dataHash: ethers.id("other data") },
      ]) {
        expect(await ledger.isBatchCommitted(relayer.address, 1n, changed)).to.equal(false);
      }
      expect(await ledger.isBatchCommitted(relayer.address, 2n, header)).to.equal(false);
      expect(await ledger.isBatchCommitted(relayer2.address, 1n, header)).to.equal(false);
      // A missing batch's commitment is zero, and no header (not even an all-zero one) matches it.
      expect(await ledger.batchCommitment(relayer.address, 2n)).to.equal(ethers.ZeroHash);
      const zero = { epoch: 0n, root: ethers.ZeroHash, count: 0, dataHash: ethers.ZeroHash };
      expect(await ledger.isBatchCommitted(relayer.address, 2n, zero)).to.equal(false);
    });

    it("keeps batch ids per relayer and totals in events only", async function () {
      const { ledger, admin, relayer, relayer2, genesis } = await loadFixture(withRelayerFixture);
      await ledger.connect(admin).addRelayer(relayer2.address);
      await ledger.connect(relayer).submitBatch(0n, 1n, root, 5, "u", dataHash);
      await ledger.connect(relayer2).submitBatch(0n, 1n, root, 7, "u", dataHash);
      await time.increaseTo(genesis + EPOCH_LENGTH);
      await ledger.connect(relayer).submitBatch(1n, 2n, root, 2, "u", dataHash);
      expect(await ledger.lastBatchId(relayer.address)).to.equal(2n);
      expect(await ledger.lastBatchId(relayer2.address)).to.equal(1n);
      // Receipts per epoch are a fold of BatchSubmitted (what the reward pipeline reads).
      const events = await ledger.queryFilter(ledger.filters.BatchSubmitted());
      const perEpoch = new Map<bigint, bigint>();
      for (const e of events) perEpoch.set(e.args.epoch, (perEpoch.get(e.args.epoch) ?? 0n) + e.args.count);
      expect([...perEpoch]).to.deep.equal([
        [0n, 12n],
        [1n, 2n],
      ]);
    });

    it("rejects callers without the relayer role, including revoked relayers", async function () {
      const { ledger, admin, relayer, stranger } = await loadFixture(withRelayerFixture);
      const role = await ledger.RELAYER_ROLE();
      await expect(ledger.connect(stranger).submitBatch(0n, 1n, root, 1, "u", dataHash))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, role);
      await ledger.connect(admin).revokeRelayer(relayer.address);
      await expect(ledger.connect(relayer).submitBatch(0n, 1n, root, 1, "u", dataHash))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(relayer.address, role);
    });

    it("requires contiguous batch ids from 1", async function () {
      const { ledger, relayer } = await loadFixture(withRelayerFixture);
      await expect(ledger.connect(relayer).submitBatch(0n, 0n, root, 1, "u", dataHash))
        .to.be.revertedWithCustomError(ledger, "InvalidBatchId")
        .withArgs(relayer.address, 0n, 1n);
      await expect(ledger.connect(relayer).submitBatch(0n, 2n, root, 1, "u", dataHash))
        .to.be.revertedWithCustomError(ledger, "InvalidBatchId")
        .withArgs(relayer.address, 2n, 1n);
      await ledger.connect(relayer).submitBatch(0n, 1n, root, 1, "u", dataHash);
      await expect(ledger.connect(relayer).submitBatch(0n, 1n, root, 1, "u", dataHash))
        .to.be.revertedWithCustomError(ledger, "InvalidBatchId")
        .withArgs(relayer.address, 1n, 2n);
    });

    it("continues batch ids after a relayer is revoked and re-added", async function () {
      const { ledger, admin, relayer } = await loadFixture(withRelayerFixture);
      await ledger.connect(relayer).submitBatch(0n, 1n, root, 1, "u", dataHash);
      await ledger.connect(admin).revokeRelayer(relayer.address);
      await ledger.connect(admin).addRelayer(relayer.address);
      await expect(ledger.connect(relayer).submitBatch(0n, 1n, root, 1, "u", dataHash))
        .to.be.revertedWithCustomError(ledger, "InvalidBatchId")
        .withArgs(relayer.address, 1n, 2n);
      await expect(ledger.connect(relayer).submitBatch(0n, 2n, root, 1, "u", dataHash)).to.emit(
        ledger,
        "BatchSubmitted",
      );
    });

    it("rejects a zero root, an empty batch, a zero data hash and a bad data URI", async function () {
      const { ledger, relayer } = await loadFixture(withRelayerFixture);
      const max = await ledger.MAX_DATA_URI_LENGTH();
      await expect(
        ledger.connect(relayer).submitBatch(0n, 1n, ethers.ZeroHash, 1, "u", dataHash),
      ).to.be.revertedWithCustomError(ledger, "ZeroRoot");
      await expect(ledger.connect(relayer).submitBatch(0n, 1n, root, 0, "u", dataHash)).to.be.revertedWithCustomError(
        ledger,
        "EmptyBatch",
      );
      await expect(
        ledger.connect(relayer).submitBatch(0n, 1n, root, 1, "u", ethers.ZeroHash),
      ).to.be.revertedWithCustomError(ledger, "ZeroDataHash");
      await expect(ledger.connect(relayer).submitBatch(0n, 1n, root, 1, "", dataHash))
        .to.be.revertedWithCustomError(ledger, "InvalidDataURILength")
        .withArgs(0n, max);
      await expect(ledger.connect(relayer).submitBatch(0n, 1n, root, 1, "x".repeat(Number(max) + 1), dataHash))
        .to.be.revertedWithCustomError(ledger, "InvalidDataURILength")
        .withArgs(max + 1n, max);
      await expect(ledger.connect(relayer).submitBatch(0n, 1n, root, 1, "x".repeat(Number(max)), dataHash)).to.emit(
        ledger,
        "BatchSubmitted",
      );
    });

    it("accepts a batch only inside its epoch's window", async function () {
      const { ledger, relayer, genesis } = await loadFixture(withRelayerFixture);
      const start1 = genesis + EPOCH_LENGTH;
      const start2 = genesis + 2n * EPOCH_LENGTH;
      // Epoch 1 has not started yet.
      await expect(ledger.connect(relayer).submitBatch(1n, 1n, root, 1, "u", dataHash))
        .to.be.revertedWithCustomError(ledger, "EpochNotOpen")
        .withArgs(1n, start1, start2 + GRACE);
      // First second of epoch 1.
      await time.setNextBlockTimestamp(start1);
      await expect(ledger.connect(relayer).submitBatch(1n, 1n, root, 1, "u", dataHash)).to.emit(
        ledger,
        "BatchSubmitted",
      );
      // Epoch 0 is late but still inside its grace period (last second).
      await time.setNextBlockTimestamp(start1 + GRACE - 1n);
      await expect(ledger.connect(relayer).submitBatch(0n, 2n, root, 1, "u", dataHash)).to.emit(
        ledger,
        "BatchSubmitted",
      );
      // Grace period over.
      await time.setNextBlockTimestamp(start1 + GRACE);
      await expect(ledger.connect(relayer).submitBatch(0n, 3n, root, 1, "u", dataHash))
        .to.be.revertedWithCustomError(ledger, "EpochNotOpen")
        .withArgs(0n, genesis, start1 + GRACE);
    });

    it("rejects every batch before genesis", async function () {
      const [admin, relayer] = await ethers.getSigners();
      const future = BigInt(await time.latest()) + DAY;
      const early = await ethers.deployContract("UsageLedger", [admin!.address, future, EPOCH_LENGTH, GRACE]);
      await early.connect(admin!).addRelayer(relayer!.address);
      await expect(early.connect(relayer!).submitBatch(0n, 1n, root, 1, "u", dataHash))
        .to.be.revertedWithCustomError(early, "EpochNotOpen")
        .withArgs(0n, future, future + EPOCH_LENGTH + GRACE);
    });
  });

  describe("receipts", function () {
    async function batchFixture() {
      const base = await withRelayerFixture();
      const { ledger, relayer } = base;
      const chain = await ledgerChain(ledger);
      // Odd receipts cite a dataset entry, even ones nothing.
      const receipts = Array.from({ length: 5 }, (_, i) =>
        makeReceipt({
          timestamp: base.genesis + BigInt(i),
          attributionHash:
            i % 2 === 1
              ? attributionHash([{ contentHash: ethers.id("v1") as Hex, entryId: `entry-${i}` }])
              : ZERO_BYTES32,
        }),
      );
      const hashes = receipts.map((r) => hashReceipt(r, chain));
      const signatures = await Promise.all(receipts.map((r) => signReceipt(relayer, ledger, r)));
      const tree = buildMerkleTree(hashes.map((h) => batchLeafBytes(h)));
      await ledger.connect(relayer).submitBatch(0n, 1n, tree.root, receipts.length, "ipfs://b1", ethers.id("b1"));
      const batch = { epoch: 0n, root: tree.root, count: receipts.length, dataHash: ethers.id("b1") };
      return { ...base, chain, receipts, hashes, signatures, tree, batch };
    }

    it("hashReceipt matches the TypeScript protocol", async function () {
      const { ledger, receipts, hashes } = await loadFixture(batchFixture);
      for (let i = 0; i < receipts.length; i++) expect(await ledger.hashReceipt(receipts[i]!)).to.equal(hashes[i]);
    });

    it("receiptSigner recovers the relayer", async function () {
      const { ledger, relayer, receipts, signatures } = await loadFixture(batchFixture);
      expect(await ledger.receiptSigner(receipts[0]!, signatures[0]!)).to.equal(relayer.address);
    });

    it("verifyReceipt accepts every receipt of a batch", async function () {
      const { ledger, relayer, receipts, hashes, signatures, tree, batch } = await loadFixture(batchFixture);
      for (let i = 0; i < receipts.length; i++) {
        const proof = tree.proof(batchLeaf(hashes[i]!));
        expect(await ledger.verifyReceipt(receipts[i]!, signatures[i]!, relayer.address, 1n, batch, proof)).to.equal(
          true,
        );
      }
    });

    it("verifyReceipt rejects a wrong relayer, batch, epoch, proof or signer", async function () {
      const { ledger, admin, relayer, relayer2, receipts, hashes, signatures, tree, batch } =
        await loadFixture(batchFixture);
      const proof0 = tree.proof(batchLeaf(hashes[0]!));
      const proof1 = tree.proof(batchLeaf(hashes[1]!));
      // A batch that does not exist.
      expect(await ledger.verifyReceipt(receipts[0]!, signatures[0]!, relayer.address, 2n, batch, proof0)).to.equal(
        false,
      );
      // Another relayer's (nonexistent) batch with the same id.
      expect(await ledger.verifyReceipt(receipts[0]!, signatures[0]!, relayer2.address, 1n, batch, proof0)).to.equal(
        false,
      );
      // The proof of a different leaf.
      expect(await ledger.verifyReceipt(receipts[0]!, signatures[0]!, relayer.address, 1n, batch, proof1)).to.equal(
        false,
      );
      // A receipt whose epoch differs from the batch's (the signature is valid for it).
      const otherEpoch = { ...receipts[0]!, epoch: 1n };
      const otherEpochSig = await signReceipt(relayer, ledger, otherEpoch);
      expect(await ledger.verifyReceipt(otherEpoch, otherEpochSig, relayer.address, 1n, batch, proof0)).to.equal(false);
      // A valid signature by a key that is not the batch's relayer, even a relayer itself.
      await ledger.connect(admin).addRelayer(relayer2.address);
      const foreignSig = await signReceipt(relayer2, ledger, receipts[0]!);
      expect(await ledger.verifyReceipt(receipts[0]!, foreignSig, relayer.address, 1n, batch, proof0)).to.equal(false);
      // A receipt claiming another attribution than the one signed (none, or another entry's).
      const proofCited = tree.proof(batchLeaf(hashes[1]!));
      for (const claimed of [ZERO_BYTES32, receipts[3]!.attributionHash]) {
        const steered = { ...receipts[1]!, attributionHash: claimed };
        expect(await ledger.verifyReceipt(steered, signatures[1]!, relayer.address, 1n, batch, proofCited)).to.equal(
          false,
        );
      }
      // A signature of the wrong length.
      expect(await ledger.verifyReceipt(receipts[0]!, "0x1234", relayer.address, 1n, batch, proof0)).to.equal(false);
      // A header that is not the committed one, though its root is (the ledger holds only the header's hash).
      for (const wrong of [
        { ...batch, count: batch.count + 1 },
        { ...batch, dataHash: ethers.id("b2") },
      ]) {
        expect(await ledger.verifyReceipt(receipts[0]!, signatures[0]!, relayer.address, 1n, wrong, proof0)).to.equal(
          false,
        );
      }
      // The committed header itself still verifies.
      expect(await ledger.verifyReceipt(receipts[0]!, signatures[0]!, relayer.address, 1n, batch, proof0)).to.equal(
        true,
      );
    });

    it("rejects a high-s (malleated) signature", async function () {
      const { ledger, relayer, receipts, hashes, signatures, tree, batch } = await loadFixture(batchFixture);
      const malleated = malleate(signatures[0]!);
      // ecrecover itself accepts the malleated form; OpenZeppelin's ECDSA must not.
      const sig = ethers.Signature.from(signatures[0]!);
      const highS = ethers.toBeHex(SECP256K1_N - BigInt(sig.s), 32);
      await expect(ledger.receiptSigner(receipts[0]!, malleated))
        .to.be.revertedWithCustomError(ledger, "ECDSAInvalidSignatureS")
        .withArgs(highS);
      const proof = tree.proof(batchLeaf(hashes[0]!));
      expect(await ledger.verifyReceipt(receipts[0]!, malleated, relayer.address, 1n, batch, proof)).to.equal(false);
    });

    it("does not accept a receipt signed for another chain id", async function () {
      const { ledger, relayer, receipts, hashes, tree, batch } = await loadFixture(batchFixture);
      const foreignChainSig = await signReceipt(relayer, ledger, receipts[0]!, 1n);
      expect(await ledger.receiptSigner(receipts[0]!, foreignChainSig)).not.to.equal(relayer.address);
      const proof = tree.proof(batchLeaf(hashes[0]!));
      expect(await ledger.verifyReceipt(receipts[0]!, foreignChainSig, relayer.address, 1n, batch, proof)).to.equal(
        false,
      );
    });

    it("does not accept a receipt signed for another ledger deployment", async function () {
      const { ledger, admin, relayer, receipts, hashes, signatures, tree, genesis, batch } =
        await loadFixture(batchFixture);
      const other = await ethers.deployContract("UsageLedger", [admin.address, genesis, EPOCH_LENGTH, GRACE]);
      await other.connect(admin).addRelayer(relayer.address);
      // Even a batch with the very same root on the second ledger does not make the receipt valid there.
      await other.connect(relayer).submitBatch(0n, 1n, tree.root, receipts.length, "ipfs://b1", ethers.id("b1"));
      expect(await other.hashReceipt(receipts[0]!)).not.to.equal(hashes[0]);
      expect(await other.receiptSigner(receipts[0]!, signatures[0]!)).not.to.equal(relayer.address);
      const proof = tree.proof(batchLeaf(hashes[0]!));
      expect(await other.verifyReceipt(receipts[0]!, signatures[0]!, relayer.address, 1n, batch, proof)).to.equal(
        false,
      );
      expect(await ledger.verifyReceipt(receipts[0]!, signatures[0]!, relayer.address, 1n, batch, proof)).to.equal(
        true,
      );
    });

    it("verifyReceipt rejects a receipt whose epoch is not its timestamp's epoch", async function () {
      const { ledger, relayer, chain, genesis } = await loadFixture(batchFixture);
      // Every receipt below is signed by the relayer and committed in its epoch-0 batch 2.
      const good = makeReceipt({ timestamp: genesis + EPOCH_LENGTH - 1n });
      const fromEpoch1 = makeReceipt({ timestamp: genesis + EPOCH_LENGTH });
      const beforeGenesis = makeReceipt({ timestamp: genesis - 1n });
      const receipts = [good, fromEpoch1, beforeGenesis];
      const hashes = receipts.map((r) => hashReceipt(r, chain));
      const tree = buildMerkleTree(hashes.map((h) => batchLeafBytes(h)));
      await ledger.connect(relayer).submitBatch(0n, 2n, tree.root, receipts.length, "ipfs://b2", ethers.id("b2"));
      const batch = { epoch: 0n, root: tree.root, count: receipts.length, dataHash: ethers.id("b2") };
      const verdicts: boolean[] = [];
      for (let i = 0; i < receipts.length; i++) {
        const signature = await signReceipt(relayer, ledger, receipts[i]!);
        const proof = tree.proof(batchLeaf(hashes[i]!));
        verdicts.push(await ledger.verifyReceipt(receipts[i]!, signature, relayer.address, 2n, batch, proof));
      }
      expect(verdicts).to.deep.equal([true, false, false]);
    });

    it("rejects ERC-2098 compact (64-byte) signatures and v outside {27, 28}", async function () {
      const { ledger, relayer, receipts, hashes, signatures, tree, batch } = await loadFixture(batchFixture);
      const sig = ethers.Signature.from(signatures[0]!);
      // The same signature in ERC-2098 form: it names the same signer, but the protocol only accepts
      // 65 bytes, so one signature has exactly one accepted encoding.
      const compact = sig.compactSerialized as Hex;
      expect(ethers.dataLength(compact)).to.equal(64);
      expect(ethers.recoverAddress(hashes[0]!, compact)).to.equal(relayer.address);
      await expect(ledger.receiptSigner(receipts[0]!, compact))
        .to.be.revertedWithCustomError(ledger, "ECDSAInvalidSignatureLength")
        .withArgs(64n);
      const rawV = ethers.concat([sig.r, sig.s, ethers.toBeHex(sig.v - 27, 1)]) as Hex;
      await expect(ledger.receiptSigner(receipts[0]!, rawV)).to.be.revertedWithCustomError(
        ledger,
        "ECDSAInvalidSignature",
      );
      const proof = tree.proof(batchLeaf(hashes[0]!));
      for (const bad of [compact, rawV, ethers.concat([signatures[0]!, "0x00"]) as Hex]) {
        expect(await ledger.verifyReceipt(receipts[0]!, bad, relayer.address, 1n, batch, proof)).to.equal(false);
      }
      expect(await ledger.verifyReceipt(receipts[0]!, signatures[0]!, relayer.address, 1n, batch, proof)).to.equal(
        true,
      );
    });

    it("keeps a revoked relayer's committed batches verifiable", async function () {
      const { ledger, admin, relayer, receipts, hashes, signatures, tree, batch } = await loadFixture(batchFixture);
      await ledger.connect(admin).revokeRelayer(relayer.address);
      const proof = tree.proof(batchLeaf(hashes[2]!));
      expect(await ledger.verifyReceipt(receipts[2]!, signatures[2]!, relayer.address, 1n, batch, proof)).to.equal(
        true,
      );
    });
  });

  describe("wallet-signed inference requests", function () {
    it("hashes like the TypeScript protocol and recovers the wallet", async function () {
      const { ledger, user } = await loadFixture(deployFixture);
      const request: InferenceRequest = {
        user: user.address as Hex,
        modelId: 7n,
        inputHash: randomHex32(),
        nonce: 3n,
        deadline: 2_000_000_000n,
        maxFee: 10n ** 18n,
      };
      const chain = await ledgerChain(ledger);
      expect(await ledger.hashInferenceRequest(request)).to.equal(hashInferenceRequest(request, chain));
      const types = { InferenceRequest: [...inferenceRequestTypes.InferenceRequest] };
      const signature = await user.signTypedData(await domainOf(ledger), types, request);
      expect(await ledger.inferenceRequestSigner(request, signature)).to.equal(user.address);
      // The request digest is what a wallet-kind receipt carries as userAuth.
      const receipt = makeReceipt({
        userKind: UserKind.Wallet,
        userId: addressUserId(user.address as Hex),
        userAuth: hashInferenceRequest(request, chain),
      });
      expect(await ledger.hashReceipt(receipt)).to.equal(hashReceipt(receipt, chain));
    });

    it("rejects a malleated request signature", async function () {
      const { ledger, user } = await loadFixture(deployFixture);
      const request: InferenceRequest = {
        user: user.address as Hex,
        modelId: 1n,
        inputHash: randomHex32(),
        nonce: 0n,
        deadline: 1n,
        maxFee: 0n,
      };
      const types = { InferenceRequest: [...inferenceRequestTypes.InferenceRequest] };
      const signature = (await user.signTypedData(await domainOf(ledger), types, request)) as Hex;
      await expect(ledger.inferenceRequestSigner(request, malleate(signature))).to.be.revertedWithCustomError(
        ledger,
        "ECDSAInvalidSignatureS",
      );
    });
  });
});
