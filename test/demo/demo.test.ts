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
  it("plays one epoch end to end: the model the community returns to out-earns the generic one, and the dataset's new entry pays its contributor", async () => {
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

    // The dataset grew mid-week; members kept returning to the answer built on the new entry, and its contributor is paid.
    const grown = /member (0x[0-9a-fA-F]{40}) contributes entry ca-kho-to-mien-tay .* publishes dataset v2/.exec(out);
    expect(grown).not.toBeNull();
    const contributor = grown![1]!;
    // Columns: entry, dataset, contributor, users citing, payout.
    const entry = row(out, "ca-kho-to-mien-tay");
    expect(entry[2]).toBe(contributor);
    expect(Number(entry[3])).toBeGreaterThanOrEqual(2);
    expect(kho(entry[4])).toBeGreaterThan(0);
    const payoutLine = new RegExp(
      `contributor payout: entry ca-kho-to-mien-tay of dataset \\d+ by ${contributor}: ([\\d.]+) KHO`,
    );
    expect(Number(payoutLine.exec(out)?.[1])).toBeCloseTo(kho(entry[4]), 1);
    expect(out).toMatch(
      new RegExp(
        `its contributor was paid because members kept coming back to the answer: ${contributor} earned [\\d.]+ KHO for entry ca-kho-to-mien-tay`,
      ),
    );
  });
});
