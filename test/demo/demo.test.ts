import os from "node:os";
import { describe, expect, it } from "vitest";
import { assertBuilt, runKho } from "../cli/helpers/run-kho";

/** The amount in a table cell such as `3158.97 KHO`. */
function kho(cell: string | undefined): number {
  const match = /^([\d.]+) KHO$/.exec((cell ?? "").trim());
  if (!match) throw new Error(`"${cell}" is not an amount in KHO`);
  return Number(match[1]);
}

/** Cells of the table row that starts with `label`, split on runs of two or more spaces. */
function row(stdout: string, label: string): string[] {
  const line = stdout.split("\n").find((l) => l.startsWith(`${label} `));
  if (!line) throw new Error(`no table row for ${label} in the demo output`);
  return line.split(/\s{2,}/);
}

describe("npm run demo", () => {
  it("plays one epoch end to end and pays the model the community returns to more than the generic one", async () => {
    assertBuilt();
    const run = await runKho(["demo"], { cwd: os.tmpdir(), timeoutMs: 240_000 });
    expect(run.stderr).not.toMatch(/^kho: /m);
    expect(run.code).toBe(0);
    const out = run.stdout;

    // Both answers are printed side by side: clay pot and caramel from the local model, the oven from the generic one.
    expect(out).toMatch(/nồi đất/);
    expect(out).toMatch(/nước màu/);
    expect(out).toMatch(/oven/);
    expect(out).toMatch(/verified from public data: the recomputed root equals the root on chain/);
    // v2 carries what nobody earned (here the dataset share for the seconds before its first stake) into the next epoch.
    const claimed = Number(/claimed ([\d.]+) KHO for \d+ payees/.exec(out)?.[1]);
    expect(claimed).toBeGreaterThan(9_990);
    expect(claimed).toBeLessThanOrEqual(10_000);
    expect(out).toMatch(/carried into the next epoch [\d.]+ KHO/);

    // Columns: model, deployments, calls, distinct users, returning users, self calls, builder payout, operators payout.
    const local = row(out, "bep-viet-home-cooking");
    const generic = row(out, "generic-chef");
    expect(Number(local[1])).toBe(1);
    expect(Number(generic[1])).toBe(5);
    expect(Number(generic[2])).toBeGreaterThan(Number(local[2]));
    expect(kho(local[6])).toBeGreaterThan(kho(generic[6]));

    // Columns: staker, stake at end, KHO × days staked, payout.
    const early = kho(row(out, "early staker")[3]);
    const late = kho(row(out, "last-minute staker")[3]);
    expect(early).toBeGreaterThan(0);
    expect(late).toBeLessThan(early / 1000);
    expect(out).toMatch(/^Conclusion: bep-viet-home-cooking served/m);
  });
});
