import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import type { FeeEscrow, UsageLedger } from "../../typechain-types";

const HOUR = 3600n;
const DAY = 24n * HOUR;
const EPOCH_LENGTH = DAY;
const GRACE = HOUR;
const SETTLEMENT_WINDOW = DAY;
const THAW_PERIOD = EPOCH_LENGTH + GRACE + SETTLEMENT_WINDOW;
const PROTOCOL_FEE_BPS = 1000n;
const DEPOSIT = 1_000_000n;

type Charge = { payer: string; amount: bigint };
type Credit = { operator: string; amount: bigint };

/**
 * UsageLedger (1-day epochs, 1-hour grace, genesis at the start of the current epoch), a token that can charge a
 * transfer fee (0 here), RewardDistributor and FeeEscrow (10% protocol fee); `relayer` holds the relayer role and
 * `payerA` / `payerB` deposited DEPOSIT each.
 */
async function deployEscrowFixture() {
  const [admin, relayer, otherRelayer, payerA, payerB, operatorA, operatorB, outsider] = await ethers.getSigners();
  const token = await ethers.deployContract("FeeOnTransferToken", [0n]);
  const genesis = BigInt(await time.latest()) - 10n;
  const ledger = await ethers.deployContract("UsageLedger", [admin.address, genesis, EPOCH_LENGTH, GRACE]);
  await ledger.addRelayer(relayer.address);
  await ledger.addRelayer(otherRelayer.address);
  const distributor = await ethers.deployContract("RewardDistributor", [
    await token.getAddress(),
    admin.address,
    admin.address,
    admin.address,
    0n,
  ]);
  const escrow = await ethers.deployContract("FeeEscrow", [
    await token.getAddress(),
    await ledger.getAddress(),
    await distributor.getAddress(),
    admin.address,
    THAW_PERIOD,
    SETTLEMENT_WINDOW,
    PROTOCOL_FEE_BPS,
  ]);
  const escrowAddress = await escrow.getAddress();
  for (const payer of [payerA, payerB]) {
    await token.mint(payer.address, DEPOSIT * 10n);
    await token.connect(payer).approve(escrowAddress, ethers.MaxUint256);
    await escrow.connect(payer).deposit(DEPOSIT);
  }
  return {
    admin,
    relayer,
    otherRelayer,
    payerA,
    payerB,
    operatorA,
    operatorB,
    outsider,
    token,
    ledger,
    distributor,
    escrow,
    genesis,
  };
}

type BatchHeader = { epoch: bigint; root: string; count: number; dataHash: string };

/** Headers committed by commitBatch, by relayer and id: settleBatch names the header it settles. */
const committedHeaders = new Map<string, BatchHeader>();

/** The header `relayer` committed as `batchId` (a made-up one for a batch it never committed). */
function headerOf(relayer: string, batchId: bigint): BatchHeader {
  return (
    committedHeaders.get(`${relayer}:${batchId}`) ?? {
      epoch: 0n,
      root: ethers.id(`root ${batchId}`),
      count: 3,
      dataHash: ethers.id(`data ${batchId}`),
    }
  );
}

/** Commits the relayer's next batch for the current epoch and returns its id. */
async function commitBatch(ledger: UsageLedger, relayer: Awaited<ReturnType<typeof ethers.getSigner>>) {
  const batchId = (await ledger.lastBatchId(relayer.address)) + 1n;
  const epoch = await ledger.currentEpoch();
  const header = { epoch, root: ethers.id(`root ${batchId}`), count: 3, dataHash: ethers.id(`data ${batchId}`) };
  await ledger.connect(relayer).submitBatch(epoch, batchId, header.root, header.count, "ipfs://batch", header.dataHash);
  committedHeaders.set(`${relayer.address}:${batchId}`, header);
  return { batchId, epoch };
}

function split(amount: bigint, bps = PROTOCOL_FEE_BPS) {
  const share = (amount * bps) / 10_000n;
  return { paid: amount - share, share };
}

async function settle(
  escrow: FeeEscrow,
  signer: Parameters<FeeEscrow["connect"]>[0],
  batchId: bigint,
  charges: Charge[],
  credits: Credit[],
) {
  const header = headerOf(await (signer as Awaited<ReturnType<typeof ethers.getSigner>>).getAddress(), batchId);
  return escrow.connect(signer).settleBatch(batchId, header, charges, credits);
}

describe("FeeEscrow", function () {
  describe("constructor", function () {
    it("stores its parameters", async function () {
      const { escrow, token, ledger, distributor } = await loadFixture(deployEscrowFixture);
      expect(await escrow.token()).to.equal(await token.getAddress());
      expect(await escrow.ledger()).to.equal(await ledger.getAddress());
      expect(await escrow.distributor()).to.equal(await distributor.getAddress());
      expect(await escrow.thawPeriod()).to.equal(THAW_PERIOD);
      expect(await escrow.settlementWindow()).to.equal(SETTLEMENT_WINDOW);
      expect(await escrow.protocolFeeBps()).to.equal(PROTOCOL_FEE_BPS);
    });

    it("requires thawPeriod >= epochLength + batchGracePeriod + settlementWindow, boundary included", async function () {
      const { admin, token, ledger, distributor } = await loadFixture(deployEscrowFixture);
      const args = (thaw: bigint) => [
        token.getAddress(),
        ledger.getAddress(),
        distributor.getAddress(),
        admin.address,
        thaw,
        SETTLEMENT_WINDOW,
        PROTOCOL_FEE_BPS,
      ];
      const factory = await ethers.getContractFactory("FeeEscrow");
      await expect(ethers.deployContract("FeeEscrow", args(THAW_PERIOD - 1n)))
        .to.be.revertedWithCustomError(factory, "ThawPeriodTooShort")
        .withArgs(THAW_PERIOD - 1n, THAW_PERIOD);
      const exact = await ethers.deployContract("FeeEscrow", args(THAW_PERIOD));
      expect(await exact.thawPeriod()).to.equal(THAW_PERIOD);
    });

    it("rejects zero addresses, a token other than the distributor's and a fee above 100%", async function () {
      const { admin, token, ledger, distributor } = await loadFixture(deployEscrowFixture);
      const factory = await ethers.getContractFactory("FeeEscrow");
      const other = await ethers.deployContract("FeeOnTransferToken", [0n]);
      const base = [
        await token.getAddress(),
        await ledger.getAddress(),
        await distributor.getAddress(),
        admin.address,
        THAW_PERIOD,
        SETTLEMENT_WINDOW,
        PROTOCOL_FEE_BPS,
      ] as const;
      const withArg = (index: number, value: unknown) => base.map((v, i) => (i === index ? value : v));
      for (const [index, field] of [
        [0, "token"],
        [1, "ledger"],
        [2, "distributor"],
      ] as const) {
        await expect(ethers.deployContract("FeeEscrow", withArg(index, ethers.ZeroAddress)))
          .to.be.revertedWithCustomError(factory, "ZeroAddress")
          .withArgs(field);
      }
      await expect(ethers.deployContract("FeeEscrow", withArg(3, ethers.ZeroAddress)))
        .to.be.revertedWithCustomError(factory, "AccessControlInvalidDefaultAdmin")
        .withArgs(ethers.ZeroAddress);
      await expect(ethers.deployContract("FeeEscrow", withArg(0, await other.getAddress())))
        .to.be.revertedWithCustomError(factory, "TokenMismatch")
        .withArgs(await other.getAddress(), await token.getAddress());
      await expect(ethers.deployContract("FeeEscrow", withArg(6, 10_001n)))
        .to.be.revertedWithCustomError(factory, "ProtocolFeeTooHigh")
        .withArgs(10_001n);
    });
  });

  describe("deposit", function () {
    it("credits the payer, or another payer with depositFor, and emits Deposited", async function () {
      const { escrow, token, payerA, payerB } = await loadFixture(deployEscrowFixture);
      await expect(escrow.connect(payerA).deposit(5n))
        .to.emit(escrow, "Deposited")
        .withArgs(payerA.address, payerA.address, 5n);
      await expect(escrow.connect(payerA).depositFor(payerB.address, 7n))
        .to.emit(escrow, "Deposited")
        .withArgs(payerB.address, payerA.address, 7n);
      expect(await escrow.accountOf(payerA.address)).to.deep.equal([DEPOSIT + 5n, 0n, 0n]);
      expect(await escrow.availableOf(payerB.address)).to.equal(DEPOSIT + 7n);
      expect(await escrow.totalBalance()).to.equal(2n * DEPOSIT + 12n);
      expect(await token.balanceOf(await escrow.getAddress())).to.equal(2n * DEPOSIT + 12n);
    });

    it("rejects zero amounts and a zero payer", async function () {
      const { escrow, payerA } = await loadFixture(deployEscrowFixture);
      await expect(escrow.connect(payerA).deposit(0n)).to.be.revertedWithCustomError(escrow, "ZeroAmount").withArgs();
      await expect(escrow.connect(payerA).depositFor(ethers.ZeroAddress, 1n))
        .to.be.revertedWithCustomError(escrow, "ZeroAddress")
        .withArgs("payer");
    });

    it("credits what arrives of a fee-on-transfer token, and rejects a transfer that delivers nothing", async function () {
      const { escrow, token, payerA } = await loadFixture(deployEscrowFixture);
      await token.setFee(1000n);
      await expect(escrow.connect(payerA).deposit(1000n))
        .to.emit(escrow, "Deposited")
        .withArgs(payerA.address, payerA.address, 900n);
      expect(await escrow.availableOf(payerA.address)).to.equal(DEPOSIT + 900n);
      await token.setFee(10_000n);
      await expect(escrow.connect(payerA).deposit(1000n))
        .to.be.revertedWithCustomError(escrow, "NothingReceived")
        .withArgs(1000n);
    });
  });

  describe("thaw and withdraw", function () {
    it("thaws part of the balance, restarting the clock on every call", async function () {
      const { escrow, payerA } = await loadFixture(deployEscrowFixture);
      const first = BigInt(await time.latest()) + 5n;
      await time.setNextBlockTimestamp(first);
      await expect(escrow.connect(payerA).startThaw(100n))
        .to.emit(escrow, "ThawStarted")
        .withArgs(payerA.address, 100n, first + THAW_PERIOD);
      expect(await escrow.availableOf(payerA.address)).to.equal(DEPOSIT - 100n);
      const second = first + 50n;
      await time.setNextBlockTimestamp(second);
      await expect(escrow.connect(payerA).startThaw(20n))
        .to.emit(escrow, "ThawStarted")
        .withArgs(payerA.address, 120n, second + THAW_PERIOD);
      expect(await escrow.accountOf(payerA.address)).to.deep.equal([DEPOSIT, 120n, second + THAW_PERIOD]);
    });

    it("rejects thawing zero or more than is available", async function () {
      const { escrow, payerA } = await loadFixture(deployEscrowFixture);
      await expect(escrow.connect(payerA).startThaw(0n)).to.be.revertedWithCustomError(escrow, "ZeroAmount").withArgs();
      await escrow.connect(payerA).startThaw(DEPOSIT - 10n);
      await expect(escrow.connect(payerA).startThaw(11n))
        .to.be.revertedWithCustomError(escrow, "InsufficientAvailable")
        .withArgs(payerA.address, 10n, 11n);
    });

    it("withdraws exactly at thawEndsAt, not one second before", async function () {
      const { escrow, token, payerA } = await loadFixture(deployEscrowFixture);
      await escrow.connect(payerA).startThaw(300n);
      const [, , endsAt] = await escrow.accountOf(payerA.address);
      await time.setNextBlockTimestamp(endsAt - 1n);
      await expect(escrow.connect(payerA).withdraw())
        .to.be.revertedWithCustomError(escrow, "ThawNotOver")
        .withArgs(payerA.address, endsAt, endsAt - 1n);
      await time.setNextBlockTimestamp(endsAt);
      const tx = escrow.connect(payerA).withdraw();
      await expect(tx).to.emit(escrow, "Withdrawn").withArgs(payerA.address, 300n);
      await expect(tx).to.changeTokenBalances(token, [payerA, escrow], [300n, -300n]);
      expect(await escrow.accountOf(payerA.address)).to.deep.equal([DEPOSIT - 300n, 0n, 0n]);
      expect(await escrow.totalBalance()).to.equal(2n * DEPOSIT - 300n);
      await expect(escrow.connect(payerA).withdraw())
        .to.be.revertedWithCustomError(escrow, "NothingThawing")
        .withArgs(payerA.address);
    });

    it("cancels a thaw, making the amount available again", async function () {
      const { escrow, payerA } = await loadFixture(deployEscrowFixture);
      await expect(escrow.connect(payerA).cancelThaw())
        .to.be.revertedWithCustomError(escrow, "NothingThawing")
        .withArgs(payerA.address);
      await escrow.connect(payerA).startThaw(300n);
      await expect(escrow.connect(payerA).cancelThaw()).to.emit(escrow, "ThawCancelled").withArgs(payerA.address);
      expect(await escrow.accountOf(payerA.address)).to.deep.equal([DEPOSIT, 0n, 0n]);
    });
  });

  describe("settleBatch", function () {
    it("charges payers, pays operators net of the protocol share and funds the distributor for the batch's epoch", async function () {
      const { escrow, token, distributor, relayer, ledger, payerA, payerB, operatorA, operatorB } =
        await loadFixture(deployEscrowFixture);
      const { batchId, epoch } = await commitBatch(ledger, relayer);
      // payerA appears twice: its charges add up.
      const charges = [
        { payer: payerA.address, amount: 300n },
        { payer: payerB.address, amount: 1000n },
        { payer: payerA.address, amount: 35n },
      ];
      const credits = [
        { operator: operatorA.address, amount: 1200n },
        { operator: operatorB.address, amount: 135n },
      ];
      const a = split(1200n);
      const b = split(135n);
      const tx = settle(escrow, relayer, batchId, charges, credits);
      await expect(tx)
        .to.emit(escrow, "BatchSettled")
        .withArgs(relayer.address, batchId, 1335n, a.share + b.share);
      await expect(tx).to.emit(escrow, "PayerCharged").withArgs(relayer.address, batchId, payerA.address, 35n);
      await expect(tx).to.emit(escrow, "OperatorPaid").withArgs(relayer.address, batchId, operatorB.address, b.paid);
      await expect(tx)
        .to.emit(distributor, "Funded")
        .withArgs(epoch, await escrow.getAddress(), a.share + b.share);
      await expect(tx).to.changeTokenBalances(
        token,
        [operatorA, operatorB, distributor, escrow],
        [a.paid, b.paid, a.share + b.share, -1335n],
      );
      expect(await escrow.availableOf(payerA.address)).to.equal(DEPOSIT - 335n);
      expect(await escrow.availableOf(payerB.address)).to.equal(DEPOSIT - 1000n);
      expect(await escrow.totalBalance()).to.equal(2n * DEPOSIT - 1335n);
      expect(await distributor.fundedForEpoch(epoch)).to.equal(a.share + b.share);
      expect(await escrow.isSettled(relayer.address, batchId)).to.equal(true);
    });

    it("lets a charge consume thawing funds, so a thaw cannot dodge calls already served", async function () {
      const { escrow, token, relayer, ledger, payerA, operatorA } = await loadFixture(deployEscrowFixture);
      const { batchId } = await commitBatch(ledger, relayer);
      await escrow.connect(payerA).startThaw(DEPOSIT);
      expect(await escrow.availableOf(payerA.address)).to.equal(0n);
      await settle(
        escrow,
        relayer,
        batchId,
        [{ payer: payerA.address, amount: 400n }],
        [{ operator: operatorA.address, amount: 400n }],
      );
      const [balance, thawing, endsAt] = await escrow.accountOf(payerA.address);
      expect([balance, thawing]).to.deep.equal([DEPOSIT - 400n, DEPOSIT - 400n]);
      await time.increaseTo(endsAt);
      await expect(escrow.connect(payerA).withdraw()).to.changeTokenBalance(token, payerA, DEPOSIT - 400n);
    });

    it("refuses to charge a payer more than its balance (over-settlement)", async function () {
      const { escrow, relayer, ledger, payerA, operatorA } = await loadFixture(deployEscrowFixture);
      const { batchId } = await commitBatch(ledger, relayer);
      await expect(
        settle(
          escrow,
          relayer,
          batchId,
          [{ payer: payerA.address, amount: DEPOSIT + 1n }],
          [{ operator: operatorA.address, amount: DEPOSIT + 1n }],
        ),
      )
        .to.be.revertedWithCustomError(escrow, "InsufficientBalance")
        .withArgs(payerA.address, DEPOSIT, DEPOSIT + 1n);
      // Two charges that each fit but together exceed the balance.
      await expect(
        settle(
          escrow,
          relayer,
          batchId,
          [
            { payer: payerA.address, amount: DEPOSIT },
            { payer: payerA.address, amount: 1n },
          ],
          [{ operator: operatorA.address, amount: DEPOSIT + 1n }],
        ),
      )
        .to.be.revertedWithCustomError(escrow, "InsufficientBalance")
        .withArgs(payerA.address, 0n, 1n);
    });

    it("requires charges and credits to balance and be non-empty, and credits to name an operator", async function () {
      const { escrow, relayer, ledger, payerA, operatorA } = await loadFixture(deployEscrowFixture);
      const { batchId } = await commitBatch(ledger, relayer);
      const charge = [{ payer: payerA.address, amount: 100n }];
      await expect(settle(escrow, relayer, batchId, charge, [{ operator: operatorA.address, amount: 101n }]))
        .to.be.revertedWithCustomError(escrow, "SettlementUnbalanced")
        .withArgs(100n, 101n);
      await expect(settle(escrow, relayer, batchId, charge, [{ operator: operatorA.address, amount: 99n }]))
        .to.be.revertedWithCustomError(escrow, "SettlementUnbalanced")
        .withArgs(100n, 99n);
      await expect(settle(escrow, relayer, batchId, charge, []))
        .to.be.revertedWithCustomError(escrow, "EmptySettlement")
        .withArgs();
      await expect(settle(escrow, relayer, batchId, [], [{ operator: operatorA.address, amount: 0n }]))
        .to.be.revertedWithCustomError(escrow, "EmptySettlement")
        .withArgs();
      await expect(settle(escrow, relayer, batchId, charge, [{ operator: ethers.ZeroAddress, amount: 100n }]))
        .to.be.revertedWithCustomError(escrow, "ZeroAddress")
        .withArgs("operator");
    });

    it("settles a batch once: a replay reverts", async function () {
      const { escrow, relayer, ledger, payerA, operatorA } = await loadFixture(deployEscrowFixture);
      const { batchId } = await commitBatch(ledger, relayer);
      const charges = [{ payer: payerA.address, amount: 100n }];
      const credits = [{ operator: operatorA.address, amount: 100n }];
      await settle(escrow, relayer, batchId, charges, credits);
      await expect(settle(escrow, relayer, batchId, charges, credits))
        .to.be.revertedWithCustomError(escrow, "BatchAlreadySettled")
        .withArgs(relayer.address, batchId);
      expect(await escrow.availableOf(payerA.address)).to.equal(DEPOSIT - 100n);
    });

    it("only lets the relayer that committed a batch settle it", async function () {
      const { escrow, relayer, otherRelayer, ledger, outsider, payerA, operatorA } =
        await loadFixture(deployEscrowFixture);
      const { batchId } = await commitBatch(ledger, relayer);
      const charges = [{ payer: payerA.address, amount: 100n }];
      const credits = [{ operator: operatorA.address, amount: 100n }];
      await expect(settle(escrow, otherRelayer, batchId, charges, credits))
        .to.be.revertedWithCustomError(escrow, "BatchNotCommitted")
        .withArgs(otherRelayer.address, batchId);
      await expect(settle(escrow, relayer, batchId + 1n, charges, credits))
        .to.be.revertedWithCustomError(escrow, "BatchNotCommitted")
        .withArgs(relayer.address, batchId + 1n);
      // The header must be the committed one: another epoch would misdirect the protocol share's funding tag.
      const committed = headerOf(relayer.address, batchId);
      for (const header of [
        { ...committed, epoch: committed.epoch + 1n },
        { ...committed, count: committed.count + 1 },
      ]) {
        await expect(escrow.connect(relayer).settleBatch(batchId, header, charges, credits))
          .to.be.revertedWithCustomError(escrow, "BatchNotCommitted")
          .withArgs(relayer.address, batchId);
      }
      await expect(settle(escrow, outsider, batchId, charges, credits))
        .to.be.revertedWithCustomError(escrow, "NotRelayer")
        .withArgs(outsider.address);
      // Another relayer's batch with the same id is its own batch, settled separately.
      await commitBatch(ledger, otherRelayer);
      await settle(escrow, otherRelayer, batchId, charges, credits);
      expect(await escrow.isSettled(relayer.address, batchId)).to.equal(false);
      // A revoked key can no longer settle, even its own committed batch.
      await ledger.revokeRelayer(relayer.address);
      await expect(settle(escrow, relayer, batchId, charges, credits))
        .to.be.revertedWithCustomError(escrow, "NotRelayer")
        .withArgs(relayer.address);
    });

    it("skips funding when the protocol fee is zero and pays nothing to operators at 100%", async function () {
      const { escrow, token, distributor, admin, relayer, ledger, payerA, operatorA } =
        await loadFixture(deployEscrowFixture);
      const charges = [{ payer: payerA.address, amount: 100n }];
      const credits = [{ operator: operatorA.address, amount: 100n }];
      await escrow.connect(admin).setProtocolFeeBps(0n);
      const first = await commitBatch(ledger, relayer);
      const tx = settle(escrow, relayer, first.batchId, charges, credits);
      await expect(tx).to.changeTokenBalances(token, [operatorA, distributor], [100n, 0n]);
      await expect(tx).not.to.emit(distributor, "Funded");
      await escrow.connect(admin).setProtocolFeeBps(10_000n);
      const second = await commitBatch(ledger, relayer);
      await expect(settle(escrow, relayer, second.batchId, charges, credits)).to.changeTokenBalances(
        token,
        [operatorA, distributor],
        [0n, 100n],
      );
    });

    it("credits the distributor with what arrives of a fee-on-transfer token and stays solvent", async function () {
      const { escrow, token, distributor, relayer, ledger, payerA, operatorA } = await loadFixture(deployEscrowFixture);
      await token.setFee(1000n);
      const { batchId, epoch } = await commitBatch(ledger, relayer);
      await settle(
        escrow,
        relayer,
        batchId,
        [{ payer: payerA.address, amount: 1000n }],
        [{ operator: operatorA.address, amount: 1000n }],
      );
      // 900 paid, 10% burnt in transit; 100 protocol share, 10% burnt in transit.
      expect(await token.balanceOf(operatorA.address)).to.equal(810n);
      expect(await distributor.fundedForEpoch(epoch)).to.equal(90n);
      expect(await token.balanceOf(await escrow.getAddress())).to.be.at.least(await escrow.totalBalance());
    });
  });

  describe("setProtocolFeeBps", function () {
    it("is admin-only, bounded by 100% and emits ProtocolFeeSet", async function () {
      const { escrow, admin, outsider } = await loadFixture(deployEscrowFixture);
      await expect(escrow.connect(outsider).setProtocolFeeBps(1n))
        .to.be.revertedWithCustomError(escrow, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, ethers.ZeroHash);
      await expect(escrow.connect(admin).setProtocolFeeBps(10_001n))
        .to.be.revertedWithCustomError(escrow, "ProtocolFeeTooHigh")
        .withArgs(10_001n);
      await expect(escrow.connect(admin).setProtocolFeeBps(250n))
        .to.emit(escrow, "ProtocolFeeSet")
        .withArgs(PROTOCOL_FEE_BPS, 250n);
      expect(await escrow.protocolFeeBps()).to.equal(250n);
    });
  });

  describe("re-entrancy", function () {
    async function reentrantFixture() {
      const [admin, relayer, payer, operator] = await ethers.getSigners();
      const evil = await ethers.deployContract("ReentrantToken");
      const genesis = BigInt(await time.latest()) - 10n;
      const ledger = await ethers.deployContract("UsageLedger", [admin.address, genesis, EPOCH_LENGTH, GRACE]);
      await ledger.addRelayer(relayer.address);
      const distributor = await ethers.deployContract("RewardDistributor", [
        await evil.getAddress(),
        admin.address,
        admin.address,
        admin.address,
        0n,
      ]);
      const escrow = await ethers.deployContract("FeeEscrow", [
        await evil.getAddress(),
        await ledger.getAddress(),
        await distributor.getAddress(),
        admin.address,
        THAW_PERIOD,
        SETTLEMENT_WINDOW,
        PROTOCOL_FEE_BPS,
      ]);
      await evil.mint(payer.address, DEPOSIT);
      await evil.connect(payer).approve(await escrow.getAddress(), ethers.MaxUint256);
      await escrow.connect(payer).deposit(DEPOSIT / 2n);
      return { relayer, payer, operator, evil, ledger, escrow };
    }

    it("blocks a token callback into the escrow during a deposit, a withdrawal and a settlement", async function () {
      const { relayer, payer, operator, evil, ledger, escrow } = await loadFixture(reentrantFixture);
      const escrowAddress = await escrow.getAddress();
      await evil.arm(escrowAddress, escrow.interface.encodeFunctionData("withdraw"));
      await expect(escrow.connect(payer).deposit(10n))
        .to.be.revertedWithCustomError(escrow, "ReentrancyGuardReentrantCall")
        .withArgs();

      await escrow.connect(payer).startThaw(10n);
      const [, , endsAt] = await escrow.accountOf(payer.address);
      await time.increaseTo(endsAt);
      await evil.arm(escrowAddress, escrow.interface.encodeFunctionData("deposit", [1n]));
      await expect(escrow.connect(payer).withdraw())
        .to.be.revertedWithCustomError(escrow, "ReentrancyGuardReentrantCall")
        .withArgs();

      await evil.disarm();
      const { batchId } = await commitBatch(ledger, relayer);
      const charges = [{ payer: payer.address, amount: 100n }];
      const credits = [{ operator: operator.address, amount: 100n }];
      await evil.arm(
        escrowAddress,
        escrow.interface.encodeFunctionData("settleBatch", [
          batchId,
          headerOf(relayer.address, batchId),
          charges,
          credits,
        ]),
      );
      await expect(settle(escrow, relayer, batchId, charges, credits))
        .to.be.revertedWithCustomError(escrow, "ReentrancyGuardReentrantCall")
        .withArgs();
    });
  });
});
