import { describe, expect, it } from "vitest";
import { runEconomics } from "../../src/rewards/economics";

describe("npm run economics, quick mode", () => {
  it("every attack nets ≤ 0 (or stays within its documented bound) and the local model wins every thesis cell", () => {
    const lines: string[] = [];
    const { scenarios, thesis, pass } = runEconomics({ quick: true, onLine: (line) => lines.push(line) });
    const failed = lines.filter((line) => line.startsWith("FAIL"));
    expect(failed).toEqual([]);
    expect(pass).toBe(true);
    // Every group of issue 11 is played.
    expect(new Set(scenarios.map((s) => s.group))).toEqual(
      new Set([
        "pseudonym farm",
        "fresh wallets",
        "self-attested wallets",
        "wash",
        "builder alt addresses",
        "deployment spam",
        "JIT stake",
        "lone tiny stake",
        "cross-model",
        "member collusion",
        "contributor: flooding trivial entries",
        "contributor: model citing unused entries",
        "contributor: using own entries",
        "contributor: splitting one entry",
      ]),
    );
    expect(thesis.map((c) => c.multiple)).toEqual([1, 10, 100]);
    expect(lines.at(-1)).toBe("All scenarios PASS.");
  });
});
