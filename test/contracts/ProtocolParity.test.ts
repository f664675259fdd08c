import { loadFixture, setBalance } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { type Address, type Hex, bytesToHex, keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  type InferenceReceipt,
  RECEIPT_TYPE_STRING,
  INFERENCE_REQUEST_TYPE_STRING,
  batchLeaf,
  batchLeafBytes,
  buildMerkleTree,
  hashBatchHeader,
  hashReceipt,
  receiptTypes,
  recoverReceiptSigner,
  rewardLeaf,
  rewardLeafBytes,
  usageLedgerDomain,
  ZERO_BYTES32,
  MAX_ATTRIBUTED_ENTRIES,
  attributionHash,
} from "../../src/protocol";

/** A fixed, well-known test key (never holds real funds). */
const RELAYER_KEY: Hex = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";
const DAY = 86_400n;

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => bytesToHex(b));
const uint256 = fc.bigInt({ min: 0n, max: 2n ** 256n - 1n });
const uint64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });

const attributionArb = fc.array(
  fc.record({ contentHash: bytes32, entryId: fc.stringMatching(/^[a-z0-9]+(-[a-z0-9]+)*$/) }),
  { minLength: 1, maxLength: MAX_ATTRIBUTED_ENTRIES },
);

/**
 * Any receipt, or with `clock` one that the ledger can verify: its epoch is `clock.epoch` and its
 * timestamp lies inside that epoch.
 */
function receiptArb(clock?: { epoch: bigint; start: bigint; length: bigint }): fc.Arbitrary<InferenceReceipt> {
  return fc.record({
    requestId: bytes32,
    modelId: uint256,
    deploymentId: uint256,
    communityId: uint256,
    userId: bytes32,
    userKind: fc.constantFrom(0 as const, 1 as const, 2 as const),
    inputHash: bytes32,
    outputHash: bytes32,
    timestamp: clock === undefined ? uint64 : fc.bigInt({ min: clock.start, max: clock.start + clock.length - 1n }),
    epoch: clock === undefined ? uint64 : fc.constant(clock.epoch),
    fee: uint256,
    payer: fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => ethers.getAddress(bytesToHex(b)) as Hex),
    userAuth: bytes32,
    // Nothing cited (zero), a cited list's hash as a relayer signs it, or any word.
    attributionHash: fc.oneof(
      fc.constant(ZERO_BYTES32),
      attributionArb.map((list) => attributionHash(list)),
      bytes32,
    ),
  });
}

describe("Protocol parity (TypeScript src/protocol vs contracts)", function () {
  async function fixture() {
    const [admin] = await ethers.getSigners();
    const genesis = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    const ledger = await ethers.deployContract("UsageLedger", [admin!.address, genesis, DAY, 3600n]);
    const account = privateKeyToAccount(RELAYER_KEY);
    const relayerWallet = new ethers.Wallet(RELAYER_KEY, ethers.provider);
    await setBalance(account.address, ethers.parseEther("100"));
    await ledger.connect(admin!).addRelayer(account.address);
    const chain = {
      chainId: (await ethers.provider.getNetwork()).chainId,
      ledger: (await ledger.getAddress()) as Address,
    };
    return { ledger, admin: admin!, account, relayerWallet, chain };
  }

  it("publishes the type hashes of the TypeScript type strings", async function () {
    const { ledger } = await loadFixture(fixture);
    expect(await ledger.RECEIPT_TYPEHASH()).to.equal(keccak256(toHex(RECEIPT_TYPE_STRING)));
    // Receipts commit to the attribution last: the field other code reads by name and position.
    expect(receiptTypes.InferenceReceipt.at(-1)).to.deep.equal({ name: "attributionHash", type: "bytes32" });
    expect(await ledger.INFERENCE_REQUEST_TYPEHASH()).to.equal(keccak256(toHex(INFERENCE_REQUEST_TYPE_STRING)));
  });

  it("uses the same EIP-712 domain", async function () {
    const { ledger, chain } = await loadFixture(fixture);
    const expected = usageLedgerDomain(chain.chainId, chain.ledger);
    const domain = await ledger.eip712Domain();
    expect(domain.name).to.equal(expected.name);
    expect(domain.version).to.equal(expected.version);
    expect(domain.chainId).to.equal(BigInt(expected.chainId!));
    expect(domain.verifyingContract).to.equal(expected.verifyingContract);
  });

  it("hashReceipt: TypeScript equals UsageLedger.hashReceipt for random receipts", async function () {
    const { ledger, chain } = await loadFixture(fixture);
    await fc.assert(
      fc.asyncProperty(receiptArb(), async (receipt) => {
        expect(await ledger.hashReceipt(receipt)).to.equal(hashReceipt(receipt, chain));
      }),
      { numRuns: 40 },
    );
  });

  it("a receipt signed with viem is recovered on-chain by receiptSigner", async function () {
    const { ledger, account, chain } = await loadFixture(fixture);
    await fc.assert(
      fc.asyncProperty(receiptArb(), async (receipt) => {
        const signature = await account.signTypedData({
          domain: usageLedgerDomain(chain.chainId, chain.ledger),
          types: receiptTypes,
          primaryType: "InferenceReceipt",
          message: receipt,
        });
        expect(await ledger.receiptSigner(receipt, signature)).to.equal(account.address);
        expect(await recoverReceiptSigner(receipt, signature, chain)).to.equal(account.address);
      }),
      { numRuns: 15 },
    );
  });

  it("proofs of a TypeScript batch tree verify with verifyReceipt", async function () {
    const { ledger, account, relayerWallet, chain } = await loadFixture(fixture);
    const epoch = await ledger.currentEpoch();
    const clock = { epoch, start: await ledger.epochStart(epoch), length: await ledger.epochLength() };
    let batchId = 0n;
    await fc.assert(
      fc.asyncProperty(fc.array(receiptArb(clock), { minLength: 1, maxLength: 9 }), async (receipts) => {
        const hashes = receipts.map((r) => hashReceipt(r, chain));
        const signatures = await Promise.all(
          receipts.map((message) =>
            account.signTypedData({
              domain: usageLedgerDomain(chain.chainId, chain.ledger),
              types: receiptTypes,
              primaryType: "InferenceReceipt",
              message,
            }),
          ),
        );
        const tree = buildMerkleTree(hashes.map((h) => batchLeafBytes(h)));
        batchId += 1n;
        await ledger
          .connect(relayerWallet)
          .submitBatch(epoch, batchId, tree.root, receipts.length, `ipfs://batch-${batchId}`, tree.root);
        // The TypeScript header hash is the ledger's commitment.
        const batch = { epoch, root: tree.root, count: receipts.length, dataHash: tree.root };
        expect(await ledger.batchCommitment(account.address, batchId)).to.equal(hashBatchHeader(batch));
        for (let i = 0; i < receipts.length; i++) {
          const proof = tree.proof(batchLeaf(hashes[i]!));
          expect(
            await ledger.verifyReceipt(receipts[i]!, signatures[i]!, account.address, batchId, batch, proof),
          ).to.equal(true);
        }
      }),
      { numRuns: 8 },
    );
  });

  it("proofs of a TypeScript reward tree (rewardLeaf) are accepted by RewardDistributor.claim", async function () {
    const { admin } = await loadFixture(fixture);
    const token = await ethers.deployContract("KhoToken", [admin.address]);
    const signers = await ethers.getSigners();
    const accountArb = fc.integer({ min: 0, max: signers.length - 1 }).map((i) => signers[i]!.address as Address);
    const entriesArb = fc.uniqueArray(fc.tuple(accountArb, fc.bigInt({ min: 1n, max: 10n ** 24n })), {
      minLength: 1,
      maxLength: 8,
      selector: ([account]) => account,
    });
    await fc.assert(
      fc.asyncProperty(entriesArb, async (entries) => {
        const distributor = await ethers.deployContract("RewardDistributor", [
          await token.getAddress(),
          admin.address,
          admin.address,
          admin.address,
          0n,
        ]);
        const total = entries.reduce((sum, [, amount]) => sum + amount, 0n);
        await token.connect(admin).mint(admin.address, total);
        await token.connect(admin).approve(await distributor.getAddress(), total);
        await distributor.connect(admin).fund(0n, total);
        const tree = buildMerkleTree(entries.map(([account, amount]) => rewardLeafBytes(account, amount)));
        await distributor.connect(admin).proposeRoot(tree.root, 0n, total, "ipfs://rewards");
        await distributor.acceptRoot();
        for (const [account, amount] of entries) {
          const before = await token.balanceOf(account);
          await distributor.claim(account, amount, tree.proof(rewardLeaf(account, amount)));
          expect((await token.balanceOf(account)) - before).to.equal(amount);
        }
        expect(await token.balanceOf(await distributor.getAddress())).to.equal(0n);
      }),
      { numRuns: 8 },
    );
  });
});
