import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { keccak256, parseEther, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rewardDistributorAbi, usageLedgerAbi } from "../../src/protocol/abis";
import {
  type EpochComputation,
  createRewardsPipeline,
  renderEpochOutput,
  verifyEpoch,
  writeEpochOutput,
} from "../../src/rewards";
import { acceptRewardRoot, balanceOf, claimRewards, getRewardStatus, publishEpoch, transact } from "../../src/sdk";
import {
  GRACE,
  ROLE,
  type RewardsWorld,
  TIMELOCK,
  makeReceipt,
  signReceipt,
  startRewardsWorld,
  submitBatchFile,
} from "./helpers/rewards-world";

const BUDGET_0 = parseEther("1000");
const BUDGET_1 = parseEther("500");

describe("reward epoch pipeline on a local chain", () => {
  let world: RewardsWorld;
  const params = () => ({ dayLengthSeconds: 3600 });
  const pipeline = (options: { trustAcceptedRoots?: boolean; threads?: number } = {}) =>
    createRewardsPipeline({ client: world.client(), params: params(), ...options });
  const dataUri = (epoch: bigint) => pathToFileURL(path.join(world.dir, "epochs", epoch.toString(), "tree.json")).href;

  let epoch0: EpochComputation;
  let epoch1: EpochComputation;

  beforeAll(async () => {
    world = await startRewardsWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it("computes epoch 0 from chain events and batch files, dropping bad receipts and batches", async () => {
    const t0 = await world.chain.latestTimestamp();
    const [alice, bob, carol] = [world.address(ROLE.alice), world.address(ROLE.bob), world.address(ROLE.carol)];
    const sign = (r: ReturnType<typeof makeReceipt>, signer: number = ROLE.relayer) => signReceipt(world, r, signer);
    const aliceFirst = await sign(makeReceipt(world, alice, t0 + 60n, 0n));
    const batch1 = [
      aliceFirst,
      await sign(makeReceipt(world, alice, t0 + 61n, 0n)),
      await sign(makeReceipt(world, alice, t0 + 62n, 0n)),
      await sign(makeReceipt(world, alice, t0 + 3700n, 0n)),
      await sign(makeReceipt(world, bob, t0 + 120n, 0n)),
      await sign(makeReceipt(world, carol, t0 + 130n, 0n)),
      aliceFirst, // duplicate
      await sign(makeReceipt(world, bob, t0 + 140n, 0n), ROLE.rogue), // signed by a key that is no relayer
    ];
    await world.chain.setTime(t0 + 3800n);
    await submitBatchFile(world, { relayerIndex: ROLE.relayer, batchId: 1n, epoch: 0n, receipts: batch1 });
    const tampered = await submitBatchFile(world, {
      relayerIndex: ROLE.relayer,
      batchId: 2n,
      epoch: 0n,
      receipts: [
        await sign(makeReceipt(world, bob, t0 + 200n, 0n)),
        await sign(makeReceipt(world, carol, t0 + 210n, 0n)),
      ],
    });
    // Rewriting the file after commitment (even only its informational hash field): the bytes no longer hash to dataHash.
    const text = new TextDecoder().decode(tampered.bytes);
    await writeFile(tampered.file, text.replace(/"hash":"0x[0-9a-f]{2}/, '"hash":"0x00'));
    // A relayer committing a root that is not the file's: the bytes match, the recomputed root does not.
    await submitBatchFile(world, {
      relayerIndex: ROLE.relayer,
      batchId: 3n,
      epoch: 0n,
      receipts: [await sign(makeReceipt(world, carol, t0 + 220n, 0n))],
      root: keccak256(toHex("some other tree")),
    });

    const early = pipeline();
    await expect(early.computeEpoch({ epoch: 0n, budget: BUDGET_0 })).rejects.toThrow(/not final/);
    await early.close();
    await world.chain.setTime(world.epochStart(1n) + GRACE + 1n);

    const p = pipeline();
    try {
      epoch0 = await p.computeEpoch({ epoch: 0n, budget: BUDGET_0 });
    } finally {
      await p.close();
    }
    const { summary, result, tree } = epoch0;
    expect(summary.counts.drops).toMatchObject({
      duplicate: 1,
      unauthorized_signer: 1,
      tampered_batch: 3,
      bad_signature: 0,
    });
    expect(summary.counts.batches).toEqual({ total: 3, accepted: 1, tampered: 2, unavailable: 0 });
    expect(summary.counts.receipts).toEqual({ committed: 11, accepted: 6, dropped: 5 });
    expect(result.totals.receipts).toBe(6);
    expect(summary.batches.map((b) => b.reason)).toEqual([
      null,
      "file bytes do not hash to the on-chain dataHash",
      "recomputed Merkle root differs from the on-chain root",
    ]);
    expect(summary.budget).toMatchObject({ budget: BUDGET_0, source: "override", toFund: BUDGET_0, previousTotal: 0n });
    // v2 pays nobody what nobody earned: the stake arrived after the epoch began, so the dataset's share
    // for the seconds before is carried into epoch 1 with the rounding wei.
    expect(result.unallocated).toBe(result.carry.total);
    expect(result.carry.uncoveredStakeTime).toBe(result.datasets[0]!.unpaid);
    expect(result.carry.uncoveredStakeTime).toBeGreaterThan(0n);
    expect(result.carry.total - result.carry.uncoveredStakeTime).toBe(result.carry.rounding);
    expect(result.carry.rounding).toBeLessThan(10n);
    expect(tree.total + result.unallocated).toBe(BUDGET_0);
    const builder = result.accounts.find((a) => a.account === world.address(ROLE.builder));
    const operator = result.accounts.find((a) => a.account === world.address(ROLE.operator));
    const staker = result.accounts.find((a) => a.account === world.address(ROLE.staker));
    expect(builder?.byRole.builder).toBeGreaterThan(0n);
    expect(operator?.byRole.operator).toBeGreaterThan(0n);
    expect(staker?.byRole.staker).toBeGreaterThan(0n);

    // Same inputs, fresh pipeline, one thread, full recomputation: the same bytes.
    const again = pipeline({ threads: 1, trustAcceptedRoots: false });
    try {
      const second = await again.computeEpoch({ epoch: 0n, budget: BUDGET_0 });
      expect(renderEpochOutput(second)).toEqual(renderEpochOutput(epoch0));
    } finally {
      await again.close();
    }

    const written = await writeEpochOutput({ outDir: path.join(world.dir, "epochs"), computation: epoch0 });
    const report = await readFile(written.files.report, "utf8");
    expect(report).toContain("| Account | Role | Amount | Why |");
    const dump = JSON.parse(await readFile(written.files.tree, "utf8")) as { root: string; accounts: unknown[] };
    expect(dump.root).toBe(tree.root);
    expect(dump.accounts).toHaveLength(tree.entries.length);
  });

  it("publishes epoch 0, tells an honest root from a different one, and accepts it after the timelock", async () => {
    const admin = world.client(ROLE.admin);
    const published = await publishEpoch(admin, {
      tree: epoch0.tree,
      budget: epoch0.summary.budget.budget,
      previousTotal: epoch0.summary.budget.previousTotal,
      dataURI: dataUri(0n),
    });
    expect(published.funded).toBe(BUDGET_0);

    const check = async () => {
      const p = pipeline();
      try {
        return await verifyEpoch({ pipeline: p, client: world.client(), epoch: 0n });
      } finally {
        await p.close();
      }
    };
    const honest = await check();
    expect(honest).toMatchObject({ equal: true, status: "pending" });

    const distributor = world.deployment.contracts.RewardDistributor;
    const revoke = () =>
      transact(admin, { address: distributor, abi: rewardDistributorAbi, functionName: "revokePendingRoot", args: [] });
    await revoke();
    await transact(admin, {
      address: distributor,
      abi: rewardDistributorAbi,
      functionName: "proposeRoot",
      args: [keccak256(toHex("not the real root")), 0n, epoch0.tree.total, dataUri(0n)],
    });
    const forged = await check();
    expect(forged.equal).toBe(false);
    expect(forged.reason).toMatch(/differs from the recomputed root/);
    await revoke();

    const again = await publishEpoch(admin, {
      tree: epoch0.tree,
      budget: epoch0.summary.budget.budget,
      previousTotal: 0n,
      dataURI: dataUri(0n),
    });
    expect(again.funded).toBe(0n);
    await expect(acceptRewardRoot(admin)).rejects.toThrow(/timelocked for .* more/);
    await world.chain.increaseTime(TIMELOCK);
    const accepted = await acceptRewardRoot(world.client(ROLE.carol));
    expect(accepted.root).toBe(epoch0.tree.root);
    expect(await check()).toMatchObject({ equal: true, status: "accepted" });
  });

  it("computes epoch 1 on top of the accepted root, honouring relayer authorization over time", async () => {
    const admin = world.client(ROLE.admin);
    const ledger = world.deployment.contracts.UsageLedger;
    const t1 = await world.chain.latestTimestamp();
    expect(t1).toBeGreaterThanOrEqual(world.epochStart(1n));
    const [alice, bob] = [world.address(ROLE.alice), world.address(ROLE.bob)];
    const backdated = await signReceipt(world, makeReceipt(world, bob, t1 - 30n, 1n), ROLE.rogue);
    await world.chain.setTime(t1 + 10n);
    await transact(admin, {
      address: ledger,
      abi: usageLedgerAbi,
      functionName: "addRelayer",
      args: [world.address(ROLE.rogue)],
    });
    const inWindow = await signReceipt(world, makeReceipt(world, bob, t1 + 60n, 1n), ROLE.rogue);
    await world.chain.setTime(t1 + 100n);
    await submitBatchFile(world, { relayerIndex: ROLE.rogue, batchId: 1n, epoch: 1n, receipts: [backdated, inWindow] });
    await transact(admin, {
      address: ledger,
      abi: usageLedgerAbi,
      functionName: "revokeRelayer",
      args: [world.address(ROLE.rogue)],
    });
    await submitBatchFile(world, {
      relayerIndex: ROLE.relayer,
      batchId: 4n,
      epoch: 1n,
      receipts: [
        await signReceipt(world, makeReceipt(world, alice, t1 + 20n, 1n), ROLE.relayer),
        await signReceipt(world, makeReceipt(world, alice, t1 + 40n, 1n), ROLE.relayer),
      ],
    });
    await world.chain.setTime(world.epochStart(2n) + GRACE + 1n);

    const p = pipeline();
    try {
      epoch1 = await p.computeEpoch({ epoch: 1n, budget: BUDGET_1 });
    } finally {
      await p.close();
    }
    expect(epoch1.summary.previous).toEqual({ epoch: 0n, root: epoch0.tree.root, source: "accepted-root" });
    expect(epoch1.summary.counts.drops.unauthorized_signer).toBe(1);
    expect(epoch1.summary.counts.receipts.accepted).toBe(3);
    expect(epoch1.summary.counts.retentionPairs).toBeGreaterThan(0);
    // Epoch 0's carry is added to epoch 1's new money.
    const carried = epoch0.result.unallocated;
    expect(epoch1.summary.budget).toMatchObject({
      previousTotal: BUDGET_0 - carried,
      fromChain: carried,
      budget: BUDGET_1 + carried,
      toFund: BUDGET_1,
    });
    expect(epoch1.tree.total + epoch1.result.unallocated).toBe(BUDGET_0 + BUDGET_1);
    for (const entry of epoch1.tree.entries) {
      const before = epoch0.tree.entries.find((e) => e.account === entry.account)?.cumulative ?? 0n;
      expect(entry.previous).toBe(before);
    }

    const scratch = pipeline({ trustAcceptedRoots: false });
    try {
      const recomputed = await scratch.computeEpoch({ epoch: 1n, budget: BUDGET_1 });
      expect(recomputed.summary.previous.source).toBe("recomputed");
      expect(recomputed.tree.root).toBe(epoch1.tree.root);
    } finally {
      await scratch.close();
    }
    await writeEpochOutput({ outDir: path.join(world.dir, "epochs"), computation: epoch1 });
  });

  it("pays both epochs with one cumulative claim per account", async () => {
    const admin = world.client(ROLE.admin);
    // One pipeline computes, the root is published, the same pipeline verifies: it must see the new funding and root.
    const reused = pipeline();
    try {
      const computed = await reused.computeEpoch({ epoch: 1n, budget: BUDGET_1 });
      expect(computed.tree.root).toBe(epoch1.tree.root);
      await publishEpoch(admin, {
        tree: computed.tree,
        budget: computed.summary.budget.budget,
        previousTotal: computed.summary.budget.previousTotal,
        dataURI: dataUri(1n),
      });
      const verdict = await verifyEpoch({ pipeline: reused, client: world.client(), epoch: 1n });
      expect(verdict).toMatchObject({ equal: true, status: "pending" });
      expect(verdict.computation.summary.budget).toMatchObject({
        source: "chain",
        fromChain: BUDGET_1 + epoch0.result.unallocated,
        toFund: 0n,
      });
    } finally {
      await reused.close();
    }
    await world.chain.increaseTime(TIMELOCK);
    await acceptRewardRoot(admin);

    const sender = world.client(ROLE.carol);
    let paid = 0n;
    for (const entry of epoch1.tree.entries) {
      const before = await balanceOf(sender, { account: entry.account });
      const claim = await claimRewards(sender, { account: entry.account });
      const after = await balanceOf(sender, { account: entry.account });
      const payout0 = epoch0.result.accounts.find((a) => a.account === entry.account)?.amount ?? 0n;
      const payout1 = epoch1.result.accounts.find((a) => a.account === entry.account)?.amount ?? 0n;
      expect(after - before).toBe(payout0 + payout1);
      expect(claim.amount).toBe(entry.cumulative);
      paid += after - before;
    }
    expect(paid + epoch1.result.unallocated).toBe(BUDGET_0 + BUDGET_1);

    const builder = world.address(ROLE.builder);
    const status = await getRewardStatus(world.client(), { account: builder });
    const entry = epoch1.tree.entries.find((e) => e.account === builder)!;
    expect(status).toMatchObject({
      claimable: 0n,
      claimed: entry.cumulative,
      cumulative: entry.cumulative,
      acceptedEpoch: 1n,
    });
    expect(status.history.map((h) => h.epoch)).toEqual([0n, 1n]);
    expect(status.history[1]!.earned).toBe(entry.payout);
    await expect(claimRewards(sender, { account: builder })).rejects.toThrow(/already claimed/);
  });
});
