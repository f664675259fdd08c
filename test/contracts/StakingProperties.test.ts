import { expect } from "chai";
import fc from "fast-check";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployCommunityFixture, type CommunityFixture } from "./helpers/fixtures";

type Command =
  | { kind: "stake"; staker: number; dataset: number; amount: bigint }
  | { kind: "unstake"; staker: number; dataset: number; raw: bigint }
  | { kind: "withdraw"; staker: number }
  | { kind: "wait"; seconds: bigint };

const STAKERS = 2;
const DATASETS = 2;

// Weighted towards unstake and withdraw so that queues often hold several entries, some matured and some not.
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("stake" as const),
      staker: fc.nat(STAKERS - 1),
      dataset: fc.nat(DATASETS - 1),
      amount: fc.bigInt(1n, 10n ** 21n),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("unstake" as const),
      staker: fc.nat(STAKERS - 1),
      dataset: fc.nat(DATASETS - 1),
      raw: fc.bigInt(0n, 10n ** 21n),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("withdraw" as const), staker: fc.nat(STAKERS - 1) }) },
  // Up to 10 days: an unbonding period (7 days in the fixture) matures in one or two steps.
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("wait" as const), seconds: fc.bigInt(1n, 10n * 24n * 3600n) }),
  },
);

/** What the contract should hold, tracked independently of it. */
type Shadow = {
  stakes: bigint[][];
  queues: { amount: bigint; releaseTime: bigint }[][];
};

/** Pins the next block's timestamp to latest + 1 so expectations about maturity are exact. */
async function nextTimestamp(): Promise<bigint> {
  const next = BigInt(await time.latest()) + 1n;
  await time.setNextBlockTimestamp(next);
  return next;
}

async function apply(fixture: CommunityFixture, shadow: Shadow, command: Command): Promise<void> {
  const { staking, stakers, datasetIds } = fixture;
  switch (command.kind) {
    case "stake": {
      const signer = stakers[command.staker];
      await nextTimestamp();
      await staking.connect(signer).stake(datasetIds[command.dataset], command.amount);
      shadow.stakes[command.dataset][command.staker] += command.amount;
      return;
    }
    case "unstake": {
      const signer = stakers[command.staker];
      const current = shadow.stakes[command.dataset][command.staker];
      const queue = shadow.queues[command.staker];
      const id = datasetIds[command.dataset];
      if (current === 0n) {
        await expect(staking.connect(signer).unstake(id, 1n))
          .to.be.revertedWithCustomError(staking, "InsufficientStake")
          .withArgs(id, signer.address, 0n, 1n);
        return;
      }
      const amount = 1n + (command.raw % current);
      if (queue.length === 32) {
        await expect(staking.connect(signer).unstake(id, amount)).to.be.revertedWithCustomError(
          staking,
          "UnbondingQueueFull",
        );
        return;
      }
      const at = await nextTimestamp();
      await staking.connect(signer).unstake(id, amount);
      shadow.stakes[command.dataset][command.staker] = current - amount;
      queue.push({ amount, releaseTime: at + (await staking.unbondingPeriod()) });
      return;
    }
    case "withdraw": {
      const signer = stakers[command.staker];
      const at = await nextTimestamp();
      const queue = shadow.queues[command.staker];
      const matured = queue.filter((entry) => entry.releaseTime <= at);
      const due = matured.reduce((sum, entry) => sum + entry.amount, 0n);
      if (due === 0n) {
        await expect(staking.connect(signer).withdraw()).to.be.revertedWithCustomError(staking, "NothingMatured");
        return;
      }
      await expect(staking.connect(signer).withdraw()).to.emit(staking, "Withdrawn").withArgs(signer.address, due);
      shadow.queues[command.staker] = queue.filter((entry) => entry.releaseTime > at);
      return;
    }
    case "wait":
      await time.increase(command.seconds);
      return;
  }
}

async function checkInvariants(fixture: CommunityFixture, shadow: Shadow): Promise<void> {
  const { staking, token, stakers, datasetIds } = fixture;
  let activeSum = 0n;
  for (let d = 0; d < DATASETS; d++) {
    let datasetSum = 0n;
    for (let s = 0; s < STAKERS; s++) {
      const onChain = await staking.stakeOf(datasetIds[d], stakers[s].address);
      expect(onChain).to.equal(shadow.stakes[d][s], `stakeOf(dataset ${d}, staker ${s})`);
      datasetSum += onChain;
    }
    expect(await staking.totalStake(datasetIds[d])).to.equal(datasetSum, `totalStake(dataset ${d})`);
    activeSum += datasetSum;
  }
  let pendingSum = 0n;
  for (let s = 0; s < STAKERS; s++) {
    const pending = await staking.pendingUnbonding(stakers[s].address);
    pendingSum += pending.reduce((sum, entry) => sum + entry.amount, 0n);
  }
  const balance = await token.balanceOf(await staking.getAddress());
  expect(balance).to.equal(activeSum + pendingSum, "balance == active stake + pending unbonding");
  expect(await staking.totalStaked()).to.equal(activeSum, "totalStaked");
  expect(await staking.totalUnbonding()).to.equal(pendingSum, "totalUnbonding");
}

describe("DatasetStaking properties", () => {
  it("conserves tokens and keeps totals equal to the sum of stakes under random operations", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(commandArb, { minLength: 1, maxLength: 40, size: "max" }), async (commands) => {
        const fixture = await loadFixture(deployCommunityFixture);
        const shadow: Shadow = {
          stakes: Array.from({ length: DATASETS }, () => Array.from({ length: STAKERS }, () => 0n)),
          queues: Array.from({ length: STAKERS }, () => []),
        };
        for (const command of commands) {
          await apply(fixture, shadow, command);
          await checkInvariants(fixture, shadow);
        }
      }),
      { numRuns: 25 },
    );
  });
});
