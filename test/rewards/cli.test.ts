import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerRewardsCommand } from "../../src/cli/commands/rewards";
import { formatCliError } from "../../src/cli/errors";
import { buildProgram } from "../../src/cli/main";
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
} from "./helpers/rewards-world";

type Run = { code: number; stdout: string; stderr: string };

describe("kho rewards commands", () => {
  let world: RewardsWorld;
  let deploymentFile: string;

  /** Runs `kho <args>` in-process with only the rewards group, the way main() reports failures. */
  async function kho(args: string[], key?: number): Promise<Run> {
    let stdout = "";
    let stderr = "";
    const io = { stdout: (t: string) => void (stdout += t), stderr: (t: string) => void (stderr += t) };
    const { program } = buildProgram({ io, env: {}, cwd: world.dir, groups: [registerRewardsCommand] });
    const globals = ["--rpc-url", world.chain.rpcUrl, "--deployment", deploymentFile];
    if (key !== undefined) globals.push("--private-key", world.chain.accounts[key]!.privateKey);
    try {
      await program.parseAsync(["node", "kho", ...globals, ...args]);
      return { code: 0, stdout, stderr };
    } catch (error) {
      return { code: 1, stdout, stderr: `${stderr}kho: ${formatCliError(error)}\n` };
    }
  }

  beforeAll(async () => {
    world = await startRewardsWorld();
    deploymentFile = path.join(world.dir, "deployment.json");
    await writeFile(deploymentFile, JSON.stringify(serializeDeployment(world.deployment)));
    const t0 = await world.chain.latestTimestamp();
    const receipts = [
      await signReceipt(world, makeReceipt(world, world.address(ROLE.alice), t0 + 10n, 0n), ROLE.relayer),
      await signReceipt(world, makeReceipt(world, world.address(ROLE.bob), t0 + 20n, 0n), ROLE.relayer),
    ];
    await world.chain.setTime(t0 + 30n);
    await submitBatchFile(world, { relayerIndex: ROLE.relayer, batchId: 1n, epoch: 0n, receipts });
    await world.chain.setTime(world.epochStart(1n) + GRACE + 1n);
  });
  afterAll(async () => {
    await world?.close();
  });

  it("computes, verifies, publishes, accepts, shows and claims an epoch", async () => {
    const computed = await kho(["rewards", "compute", "--epoch", "0", "--budget", "100", "--json"]);
    expect(computed.stderr).toContain("epoch 0: computing rewards");
    expect(computed.code).toBe(0);
    const result = JSON.parse(computed.stdout) as {
      root: string;
      totalCumulative: string;
      receipts: { accepted: number };
    };
    expect(result.receipts.accepted).toBe(2);
    expect(result.totalCumulative).toBe(100n * 10n ** 18n + "");
    for (const file of ["tree.json", "payouts.json", "report.md", "inputs.json"]) {
      expect(existsSync(path.join(world.dir, "epochs", "0", file))).toBe(true);
    }

    const unpublished = await kho(["rewards", "verify", "--epoch", "0"]);
    expect(unpublished.code).toBe(1);
    expect(unpublished.stderr).toMatch(/kho: not equal: No accepted or pending root on chain names epoch 0\./);

    expect((await kho(["rewards", "publish", "--epoch", "0"])).stderr).toMatch(/sends a transaction/);
    const published = await kho(["rewards", "publish", "--epoch", "0"], ROLE.admin);
    expect(published.code).toBe(0);
    expect(published.stdout).toContain(`Proposed root ${result.root} for epoch 0`);

    const early = await kho(["rewards", "accept"], ROLE.carol);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/timelocked for 1h|timelocked for 59m/);

    const verified = await kho(["rewards", "verify", "--epoch", "0", "--json"]);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ equal: true, status: "pending", onChainRoot: result.root });

    await world.chain.increaseTime(TIMELOCK);
    expect((await kho(["rewards", "accept"], ROLE.carol)).code).toBe(0);

    const builder = world.address(ROLE.builder);
    const shown = await kho(["rewards", "show", "--account", builder, "--json"]);
    const status = JSON.parse(shown.stdout) as { claimable: string; claimed: string; history: { epoch: string }[] };
    expect(BigInt(status.claimable)).toBeGreaterThan(0n);
    expect(status.claimed).toBe("0");
    expect(status.history.map((h) => h.epoch)).toEqual(["0"]);

    const before = await balanceOf(world.client(), { account: builder });
    const claimed = await kho(["rewards", "claim", "--account", builder, "--json"], ROLE.carol);
    expect(claimed.code).toBe(0);
    expect((await balanceOf(world.client(), { account: builder })) - before).toBe(BigInt(status.claimable));

    // Without --account the key's own address is paid.
    const operator = world.address(ROLE.operator);
    const operatorBefore = await balanceOf(world.client(), { account: operator });
    expect((await kho(["rewards", "claim"], ROLE.operator)).code).toBe(0);
    expect(await balanceOf(world.client(), { account: operator })).toBeGreaterThan(operatorBefore);

    const after = JSON.parse((await kho(["rewards", "show", "--account", builder, "--json"])).stdout) as {
      claimable: string;
    };
    expect(after.claimable).toBe("0");
    const again = await kho(["rewards", "claim", "--account", builder], ROLE.carol);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already claimed/);
  });

  it("rejects bad input with one sentence", async () => {
    expect((await kho(["rewards", "compute", "--epoch", "-1"])).stderr).toMatch(
      /epoch "-1" is not a non-negative integer/,
    );
    expect((await kho(["rewards", "compute", "--epoch", "5"])).stderr).toMatch(/Epoch 5 is not final until/);
    expect((await kho(["rewards", "show", "--account", "0x12"])).stderr).toMatch(/is not an address/);
    expect((await kho(["rewards", "publish", "--epoch", "7"], ROLE.admin)).stderr).toMatch(/epoch 7 is not computed/);
  });
});
