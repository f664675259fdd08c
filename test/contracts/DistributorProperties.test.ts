import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import type { Address } from "viem";
import { type MerkleTree, buildMerkleTree, rewardLeaf, rewardLeafBytes } from "../../src/protocol";

const TIMELOCK = 3600n;
const ACCOUNTS = 4;
const INITIAL_FUNDING = 5_000n;

type Action =
  | { kind: "fund"; amount: bigint }
  /** Raise some accounts' cumulative amounts; `understate` > 0 makes the stated total lie low. */
  | { kind: "propose" | "proposeAndAccept"; increments: [number, bigint][]; understate: bigint }
  | { kind: "accept" }
  | { kind: "revoke" }
  | { kind: "claim"; account: number };

const proposeFields = {
  increments: fc.array(fc.tuple(fc.nat({ max: ACCOUNTS - 1 }), fc.bigInt({ min: 0n, max: 1_000n })), {
    minLength: 1,
    maxLength: ACCOUNTS,
  }),
  understate: fc.oneof(
    { weight: 3, arbitrary: fc.constant(0n) },
    { weight: 1, arbitrary: fc.bigInt({ min: 1n, max: 1_500n }) },
  ),
};

// Weighted so that most sequences reach accepted roots and repeated claims.
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("fund" as const), amount: fc.bigInt({ min: 1n, max: 50_000n }) }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("proposeAndAccept" as const), ...proposeFields }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("propose" as const), ...proposeFields }) },
  { weight: 1, arbitrary: fc.constant({ kind: "accept" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "revoke" as const }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("claim" as const), account: fc.nat({ max: ACCOUNTS - 1 }) }) },
);

type Root = { tree: MerkleTree; amounts: bigint[]; total: bigint; epoch: bigint };

describe("RewardDistributor properties", function () {
  async function fixture() {
    const [admin, poster, guardian, funder, ...rest] = await ethers.getSigners();
    const token = await ethers.deployContract("KhoToken", [admin!.address]);
    const distributor = await ethers.deployContract("RewardDistributor", [
      await token.getAddress(),
      admin!.address,
      poster!.address,
      guardian!.address,
      TIMELOCK,
    ]);
    await token.connect(admin!).mint(funder!.address, 10n ** 30n);
    await token.connect(funder!).approve(await distributor.getAddress(), ethers.MaxUint256);
    // Start funded so that most sequences reach accepted roots and repeated claims.
    await distributor.connect(funder!).fund(0n, INITIAL_FUNDING);
    const accounts = rest.slice(0, ACCOUNTS);
    return { token, distributor, poster: poster!, guardian: guardian!, funder: funder!, accounts };
  }

  it("never pays more than funded, nor any account more than its accepted cumulative amount", async function () {
    await fc.assert(
      fc.asyncProperty(fc.array(actionArb, { minLength: 5, maxLength: 30, size: "max" }), async (actions) => {
        const { token, distributor, poster, guardian, funder, accounts } = await loadFixture(fixture);
        const addresses = accounts.map((a) => a.address as Address);
        const startBalances = await Promise.all(addresses.map((a) => token.balanceOf(a)));
        let funded = INITIAL_FUNDING;
        let claimedTotal = 0n;
        const claimed = addresses.map(() => 0n);
        let accepted: Root | undefined;
        let pending: Root | undefined;
        let nextEpoch = 0n;

        for (const action of actions) {
          switch (action.kind) {
            case "fund": {
              await distributor.connect(funder).fund(nextEpoch, action.amount);
              funded += action.amount;
              break;
            }
            case "propose":
            case "proposeAndAccept": {
              // Cumulative amounts only grow: start from the accepted root, never from a revoked one.
              const amounts = accepted ? [...accepted.amounts] : addresses.map(() => 0n);
              for (const [i, inc] of action.increments) amounts[i] = amounts[i]! + inc;
              const sum = amounts.reduce((s, a) => s + a, 0n);
              const floor = accepted?.total ?? 0n;
              const stated = sum - action.understate > floor ? sum - action.understate : sum;
              const tree = buildMerkleTree(addresses.map((a, i) => rewardLeafBytes(a, amounts[i]!)));
              const call = distributor.connect(poster).proposeRoot(tree.root, nextEpoch, stated, "ipfs://r");
              if (pending) {
                await expect(call).to.be.revertedWithCustomError(distributor, "PendingRootExists");
              } else if (stated < floor) {
                await expect(call).to.be.revertedWithCustomError(distributor, "TotalCumulativeDecreased");
              } else if (stated > funded) {
                await expect(call).to.be.revertedWithCustomError(distributor, "InsufficientFunding");
              } else {
                await call;
                pending = { tree, amounts, total: stated, epoch: nextEpoch };
                nextEpoch += 1n;
              }
              if (action.kind === "proposeAndAccept" && pending) {
                await time.increase(TIMELOCK);
                await distributor.acceptRoot();
                accepted = pending;
                pending = undefined;
              }
              break;
            }
            case "accept": {
              await time.increase(TIMELOCK);
              if (pending) {
                await distributor.acceptRoot();
                accepted = pending;
                pending = undefined;
              } else {
                await expect(distributor.acceptRoot()).to.be.revertedWithCustomError(distributor, "NoPendingRoot");
              }
              break;
            }
            case "revoke": {
              if (pending) {
                await distributor.connect(guardian).revokePendingRoot();
                pending = undefined;
              } else {
                await expect(distributor.connect(guardian).revokePendingRoot()).to.be.revertedWithCustomError(
                  distributor,
                  "NoPendingRoot",
                );
              }
              break;
            }
            case "claim": {
              const i = action.account;
              if (!accepted) break;
              const cumulative = accepted.amounts[i]!;
              const call = distributor.claim(
                addresses[i]!,
                cumulative,
                accepted.tree.proof(rewardLeaf(addresses[i]!, cumulative)),
              );
              const due = cumulative - claimed[i]!;
              if (due <= 0n) {
                await expect(call).to.be.revertedWithCustomError(distributor, "AlreadyClaimed");
              } else if (due > funded - claimedTotal) {
                // An understated root can promise more than was funded; what this contract holds is the bound.
                await expect(call).to.be.revertedWithCustomError(token, "ERC20InsufficientBalance");
              } else {
                await call;
                claimed[i] = cumulative;
                claimedTotal += due;
              }
              break;
            }
          }

          // Invariants, read from the chain after every step.
          const totalFunded = await distributor.totalFunded();
          const balance = await token.balanceOf(await distributor.getAddress());
          expect(totalFunded).to.equal(funded);
          expect(claimedTotal).to.be.lte(totalFunded);
          expect(balance).to.equal(totalFunded - claimedTotal);
          let received = 0n;
          for (let i = 0; i < addresses.length; i++) {
            const got = (await token.balanceOf(addresses[i]!)) - startBalances[i]!;
            expect(got).to.be.lte(accepted?.amounts[i] ?? 0n);
            expect(await distributor.claimed(addresses[i]!)).to.equal(got);
            received += got;
          }
          expect(received).to.equal(claimedTotal);
        }
      }),
      { numRuns: 20 },
    );
  });
});
