import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { keccak256, parseEther, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serializeDeployment } from "../../src/protocol/deployment";
import { balanceOf } from "../../src/sdk";
import {
  GRACE,
  ROLE,
  type RewardsWorld,
  TIMELOCK,
  makeReceipt,
  signReceipt,
  startRewardsWorld,
  submitBatchFile,
} from "../rewards/helpers/rewards-world";
import { type KhoRun, assertBuilt, errorLine, runKho } from "./helpers/run-kho";

/** The last stderr line: commands that read the chain print progress lines before failing. */
function lastErrorLine(run: KhoRun): string {
  return run.stderr.trimEnd().split("\n").at(-1) ?? "";
}

describe("kho rewards (built binary against a local chain)", () => {
  let world: RewardsWorld;

  /** Runs the built `kho` in the world's directory, which holds deployments/<chainId>.json. */
  function kho(args: string[], signer?: number): Promise<KhoRun> {
    return runKho(args, {
      cwd: world.dir,
      env: {
        KHO_RPC_URL: world.chain.rpcUrl,
        ...(signer === undefined ? {} : { KHO_PRIVATE_KEY: world.chain.accounts[signer]!.privateKey }),
      },
    });
  }

  beforeAll(async () => {
    assertBuilt();
    world = await startRewardsWorld();
    await mkdir(path.join(world.dir, "deployments"));
    await writeFile(
      path.join(world.dir, "deployments", `${world.chain.chainId}.json`),
      JSON.stringify(serializeDeployment(world.deployment)),
    );
    const t0 = await world.chain.latestTimestamp();
    const receipts = [
      await signReceipt(world, makeReceipt(world, world.address(ROLE.alice), t0 + 10n, 0n), ROLE.relayer),
      await signReceipt(world, makeReceipt(world, world.address(ROLE.bob), t0 + 20n, 0n), ROLE.relayer),
      // Committed on chain but signed by a key without the relayer role: dropped, and said so.
      await signReceipt(world, makeReceipt(world, world.address(ROLE.carol), t0 + 25n, 0n), ROLE.rogue),
    ];
    await world.chain.setTime(t0 + 30n);
    await submitBatchFile(world, { relayerIndex: ROLE.relayer, batchId: 1n, epoch: 0n, receipts });
    await world.chain.setTime(world.epochStart(1n) + GRACE + 1n);
  });
  afterAll(async () => {
    await world?.close();
  });

  it("rejects bad input and early calls with one sentence and exit 1", async () => {
    const [negative, notFinal, badBudget, badAddress, notComputed, noPending, nothingAccepted] = await Promise.all([
      kho(["rewards", "compute", "--epoch", "-1"]),
      kho(["rewards", "compute", "--epoch", "5"]),
      kho(["rewards", "compute", "--epoch", "0", "--budget", "1.2.3"]),
      kho(["rewards", "show", "--account", "0x12"]),
      kho(["rewards", "publish", "--epoch", "7"], ROLE.admin),
      kho(["rewards", "accept"], ROLE.carol),
      kho(["rewards", "claim"], ROLE.carol),
    ]);
    for (const run of [negative, notFinal, badBudget, badAddress, notComputed, noPending, nothingAccepted]) {
      expect(run.code, run.stderr).toBe(1);
      expect(run.stdout).toBe("");
    }
    expect(errorLine(negative)).toBe('kho: epoch "-1" is not a non-negative integer');
    expect(lastErrorLine(notFinal)).toMatch(/^kho: Epoch 5 is not final until /);
    expect(errorLine(badBudget)).toMatch(/^kho: "1\.2\.3" is not a token amount/);
    expect(errorLine(badAddress)).toMatch(/^kho: .*"0x12" is not an address/);
    expect(errorLine(notComputed)).toMatch(/^kho: epoch 7 is not computed in .*: run `kho rewards compute --epoch 7`/);
    expect(errorLine(noPending)).toBe("kho: There is no pending reward root to accept.");
    expect(errorLine(nothingAccepted)).toBe("kho: No reward root has been accepted yet, so there is nothing to claim.");
  });

  it("computes, verifies, publishes, accepts, shows and claims an epoch", async () => {
    const refused = await kho(["rewards", "compute", "--epoch", "0", "--budget", "100", "--out", "out"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/unauthorized_signer: 1 receipt\(s\)\n {4}relayer 0x[0-9a-fA-F]{40} batch #1 /);
    expect(lastErrorLine(refused)).toBe(
      "kho: 1 of 3 receipts committed on chain for epoch 0 were dropped (unauthorized_signer 1); fix the cause or pass --accept-drops to publish without them",
    );
    expect(existsSync(path.join(world.dir, "out", "0"))).toBe(false);

    const computed = await kho([
      "--json",
      "rewards",
      "compute",
      "--epoch",
      "0",
      "--budget",
      "100",
      "--out",
      "out",
      "--accept-drops",
    ]);
    expect(computed.code, computed.stderr).toBe(0);
    expect(computed.stderr).toContain("epoch 0: computing rewards");
    const result = JSON.parse(computed.stdout) as Record<string, unknown>;
    expect(Object.keys(result).sort()).toEqual(
      [
        "accounts",
        "batches",
        "budget",
        "dir",
        "drops",
        "dropSamples",
        "epoch",
        "paid",
        "previous",
        "receipts",
        "root",
        "totalCumulative",
        "unallocated",
        "unit",
      ].sort(),
    );
    expect(result).toMatchObject({
      epoch: "0",
      root: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      unit: "KHO",
      receipts: { committed: 3, accepted: 2, dropped: 1 },
      dir: path.join(world.dir, "out", "0"),
    });
    // v2 carries what nobody earned (stake time before the first stake, rounding) instead of paying it out.
    expect(parseEther(result.totalCumulative as string) + parseEther(result.unallocated as string)).toBe(
      100n * 10n ** 18n,
    );
    const accounts = result.accounts as { account: string; amount: string; byRole: Record<string, string> }[];
    expect(accounts.map((a) => a.account)).toContain(world.address(ROLE.builder));
    expect(accounts.reduce((sum, a) => sum + parseEther(a.amount), 0n)).toBe(
      parseEther(result.totalCumulative as string),
    );
    for (const file of ["tree.json", "payouts.json", "report.md", "inputs.json", "activity.json"]) {
      expect(existsSync(path.join(world.dir, "out", "0", file)), file).toBe(true);
    }
    const report = readFileSync(path.join(world.dir, "out", "0", "report.md"), "utf8");
    expect(report).toContain("## Dropped receipts");
    expect(report).toContain("| unauthorized_signer | 1 |");
    const root = result.root as string;

    const [unpublished, keyless] = await Promise.all([
      kho(["rewards", "verify", "--epoch", "0"]),
      kho(["rewards", "publish", "--epoch", "0", "--out", "out"]),
    ]);
    expect(unpublished.code).toBe(1);
    expect(unpublished.stdout).toBe("");
    expect(lastErrorLine(unpublished)).toBe("kho: not equal: No accepted or pending root on chain names epoch 0.");
    expect(keyless.code).toBe(1);
    expect(errorLine(keyless)).toBe(
      "kho: this command sends a transaction: pass --private-key <0x…> or set KHO_PRIVATE_KEY (in the environment or .env)",
    );

    const published = await kho(["rewards", "publish", "--epoch", "0", "--out", "out"], ROLE.admin);
    expect(published.code, published.stderr).toBe(0);
    expect(published.stdout).toMatch(
      new RegExp(
        `^Proposed root ${root} for epoch 0 \\(total ${(result.totalCumulative as string).replace(".", "\\.")} KHO, funded 100 KHO now\\); acceptable from `,
      ),
    );

    // Only the poster may propose: the second proposal reaches the contract and reverts.
    const [notPoster, early, verified, otherParams] = await Promise.all([
      kho(["rewards", "publish", "--epoch", "0", "--out", "out"], ROLE.carol),
      kho(["rewards", "accept"], ROLE.carol),
      kho(["--json", "rewards", "verify", "--epoch", "0"]),
      writeFile(
        path.join(world.dir, "params.json"),
        JSON.stringify({ builderShareBps: 6000, operatorShareBps: 1000, stakerShareBps: 3000 }),
      ).then(() => kho(["rewards", "verify", "--epoch", "0", "--params", "params.json"])),
    ]);
    expect(notPoster.code).toBe(1);
    expect(lastErrorLine(notPoster)).toBe(
      `kho: proposeRoot reverted with AccessControlUnauthorizedAccount(${world.address(ROLE.carol)}, ${keccak256(toHex("POSTER_ROLE"))})`,
    );
    expect(early.code).toBe(1);
    expect(errorLine(early)).toMatch(
      /^kho: The pending root for epoch 0 is timelocked for (1h 0s|59m \d+s) more \(until /,
    );
    expect(verified.code, verified.stderr).toBe(0);
    expect(JSON.parse(verified.stdout)).toEqual({
      epoch: "0",
      equal: true,
      status: "pending",
      computedRoot: root,
      onChainRoot: root,
      unit: "KHO",
      computedTotal: result.totalCumulative,
      onChainTotal: result.totalCumulative,
      reason: `The pending root ${root} equals the recomputed root.`,
    });
    expect(otherParams.code).toBe(1);
    expect(lastErrorLine(otherParams)).toMatch(
      new RegExp(`^kho: not equal: The pending root ${root} differs from the recomputed root 0x[0-9a-f]{64}\\.$`),
    );

    await world.chain.increaseTime(TIMELOCK);
    const accepted = await kho(["rewards", "accept"], ROLE.carol);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stdout).toMatch(new RegExp(`^Accepted root ${root} for epoch 0 in 0x[0-9a-f]{64}\\.\\n$`));
    const verifiedAccepted = await kho(["rewards", "verify", "--epoch", "0"]);
    expect(verifiedAccepted.code).toBe(0);
    expect(verifiedAccepted.stdout).toBe(`equal: The accepted root ${root} equals the recomputed root.\n`);

    const builder = world.address(ROLE.builder);
    const shown = await kho(["--json", "rewards", "show", "--account", builder]);
    expect(shown.code, shown.stderr).toBe(0);
    const status = JSON.parse(shown.stdout) as {
      claimable: string;
      history: { epoch: string; root: string; earned: string; cumulative: string }[];
    };
    // Amounts are token units (e.g. "12.5"), the same strings `rewards compute --json` prints.
    const builderAmount = accounts.find((a) => a.account === builder)!.amount;
    expect(builderAmount).not.toMatch(/^\d{19,}$/);
    expect(status).toMatchObject({
      account: builder,
      claimable: builderAmount,
      claimed: "0",
      cumulative: builderAmount,
      acceptedEpoch: "0",
    });
    expect(status.history).toEqual([{ epoch: "0", root, earned: builderAmount, cumulative: builderAmount }]);

    // Contributor income by entry, from payouts files: this epoch's (no entry cited) and one that credits the builder.
    const credited = path.join(world.dir, "credited-payouts.json");
    await writeFile(
      credited,
      JSON.stringify({
        epoch: "3",
        accounts: [
          {
            account: builder.toLowerCase(),
            contributor: [{ modelId: "1", datasetId: "2", entryId: "ca-kho-to", amount: "1500000000000000000" }],
          },
        ],
      }),
    );
    const withIncome = await kho([
      "--json",
      "rewards",
      "show",
      "--account",
      builder,
      "--payouts",
      path.join(world.dir, "out", "0", "payouts.json"),
      credited,
    ]);
    expect(withIncome.code, withIncome.stderr).toBe(0);
    expect((JSON.parse(withIncome.stdout) as { contributorIncome: unknown }).contributorIncome).toEqual([
      { epoch: "3", datasetId: "2", entryId: "ca-kho-to", modelId: "1", amount: "1.5" },
    ]);
    const human = await kho(["rewards", "show", "--account", builder, "--payouts", credited]);
    expect(human.stdout).toMatch(
      /Contributor income by entry:\nepoch\s+dataset\s+entry\s+model\s+earned\n[- ]+\n3\s+2\s+ca-kho-to\s+1\s+1\.5 KHO\n/,
    );

    // Carol pays for the builder's claim; the builder receives the tokens.
    const before = await balanceOf(world.client(), { account: builder });
    const claimed = await kho(["--json", "rewards", "claim", "--account", builder], ROLE.carol);
    expect(claimed.code, claimed.stderr).toBe(0);
    expect(JSON.parse(claimed.stdout)).toEqual({
      hash: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      account: builder,
      amount: status.claimable,
      cumulative: status.claimable,
    });
    expect((await balanceOf(world.client(), { account: builder })) - before).toBe(parseEther(status.claimable));

    // Without --account the key's own address is paid.
    const operator = world.address(ROLE.operator);
    const ownClaim = await kho(["rewards", "claim"], ROLE.operator);
    expect(ownClaim.code, ownClaim.stderr).toBe(0);
    expect(ownClaim.stdout).toMatch(new RegExp(`^Paid [0-9.]+ KHO to ${operator} \\(cumulative [0-9.]+ KHO\\) in 0x`));

    const [after, again, stranger] = await Promise.all([
      kho(["--json", "rewards", "show", "--account", builder]),
      kho(["rewards", "claim", "--account", builder], ROLE.carol),
      kho(["rewards", "claim", "--account", world.address(ROLE.rogue)], ROLE.carol),
    ]);
    expect(JSON.parse(after.stdout)).toMatchObject({ claimable: "0", claimed: status.claimable });
    expect(again.code).toBe(1);
    expect(errorLine(again)).toBe(
      `kho: ${builder} has already claimed ${status.claimable} KHO of ${status.claimable} KHO; nothing is left.`,
    );
    expect(stranger.code).toBe(1);
    expect(errorLine(stranger)).toBe(
      `kho: ${world.address(ROLE.rogue)} has no rewards in the accepted root of epoch 0.`,
    );
  }, 240_000);
});
