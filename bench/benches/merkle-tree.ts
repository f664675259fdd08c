import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { type Address, type Hex, bytesToHex } from "viem";
import { buildMerkleTree, rewardLeafBytes } from "../../src/protocol";
import { createPrng } from "../fixtures/prng";
import { nowMs, rate, round } from "../lib/stats";
import { type Bench, BenchError } from "../lib/types";

type Side = { buildMs: number; proveMs: number; root: Hex; proofs: Hex[][] };

/** Reward-tree leaves (address, uint256), the shape of the payout tree. */
function values(n: number): [Address, bigint][] {
  const prng = createPrng(n);
  return Array.from({ length: n }, () => [prng.address(), BigInt(1 + prng.int(1_000_000)) * 10n ** 12n]);
}

function byteTree(entries: readonly [Address, bigint][]): Side {
  let start = nowMs();
  const leaves = entries.map(([account, amount]) => rewardLeafBytes(account, amount));
  const tree = buildMerkleTree(leaves);
  const buildMs = nowMs() - start;
  start = nowMs();
  const proofs = leaves.map((leaf) => tree.proof(bytesToHex(leaf)));
  return { buildMs, proveMs: nowMs() - start, root: tree.root, proofs };
}

function ozTree(entries: readonly [Address, bigint][]): Side {
  let start = nowMs();
  const tree = StandardMerkleTree.of(entries as [Address, bigint][], ["address", "uint256"]);
  const buildMs = nowMs() - start;
  start = nowMs();
  const proofs = entries.map((_, i) => tree.getProof(i) as Hex[]);
  return { buildMs, proveMs: nowMs() - start, root: tree.root as Hex, proofs };
}

function sameProofs(a: readonly Hex[][], b: readonly Hex[][]): boolean {
  if (a.length !== b.length) return false;
  return a.every((p, i) => p.length === b[i]!.length && p.every((x, j) => x.toLowerCase() === b[i]![j]!.toLowerCase()));
}

export const merkleTreeBench: Bench = {
  name: "merkle-tree",
  description: "build + prove every leaf: src/protocol/merkle.ts vs @openzeppelin/merkle-tree StandardMerkleTree",
  async run({ mode, log }) {
    const sizes = mode === "full" ? [1_000, 10_000, 100_000] : [1_000, 10_000];
    // Warm both implementations so the first size does not pay for JIT compilation.
    byteTree(values(256));
    ozTree(values(256));

    const rows: (string | number)[][] = [];
    const results: Record<string, unknown>[] = [];
    let largest: { n: number; buildRatio: number; totalRatio: number } | undefined;
    for (const n of sizes) {
      const entries = values(n);
      log(`N=${n}: byte tree`);
      const bytes = byteTree(entries);
      log(`N=${n}: OpenZeppelin StandardMerkleTree`);
      const oz = ozTree(entries);
      if (bytes.root.toLowerCase() !== oz.root.toLowerCase()) {
        throw new BenchError(`roots differ at N=${n}: byte tree ${bytes.root}, OpenZeppelin ${oz.root}`);
      }
      if (!sameProofs(bytes.proofs, oz.proofs)) throw new BenchError(`proofs differ at N=${n}`);
      const byteTotal = bytes.buildMs + bytes.proveMs;
      const ozTotal = oz.buildMs + oz.proveMs;
      rows.push(
        [
          n,
          "src/protocol/merkle.ts",
          round(bytes.buildMs, 1),
          round(bytes.proveMs, 1),
          round(byteTotal, 1),
          rate(n, byteTotal),
          "—",
        ],
        [
          n,
          "@openzeppelin/merkle-tree",
          round(oz.buildMs, 1),
          round(oz.proveMs, 1),
          round(ozTotal, 1),
          rate(n, ozTotal),
          `build ${round(oz.buildMs / bytes.buildMs, 1)}×, total ${round(ozTotal / byteTotal, 1)}× slower`,
        ],
      );
      results.push({
        leaves: n,
        root: bytes.root,
        bytes: { buildMs: round(bytes.buildMs, 1), proveAllMs: round(bytes.proveMs, 1) },
        openZeppelin: { buildMs: round(oz.buildMs, 1), proveAllMs: round(oz.proveMs, 1) },
        buildSpeedup: round(oz.buildMs / bytes.buildMs, 1),
        speedup: round(ozTotal / byteTotal, 1),
      });
      largest = { n, buildRatio: oz.buildMs / bytes.buildMs, totalRatio: ozTotal / byteTotal };
    }
    const at = `${largest!.n.toLocaleString("en-US")} leaves`;
    return {
      tables: [
        {
          title: "Reward tree (address, uint256): build + a proof for every leaf, one thread",
          columns: ["leaves", "implementation", "build ms", "prove all ms", "total ms", "leaves/s", "vs byte tree"],
          rows,
        },
      ],
      data: { sizes, results },
      notes: [
        "Roots and every proof were compared between the two implementations; a mismatch aborts the run.",
        "Build includes hashing the leaves on both sides (StandardMerkleTree.of hashes them too).",
      ],
      targets: [
        {
          id: "tree-build-ratio",
          description: `payout tree build, @openzeppelin/merkle-tree time / src/protocol/merkle.ts time, ${at}`,
          measured: round(largest!.buildRatio, 2),
          limit: 8,
          comparison: ">=",
          unit: "×",
        },
        {
          id: "tree-build-and-proofs-ratio",
          description: `payout tree build + a proof for every leaf, @openzeppelin/merkle-tree / src/protocol/merkle.ts, ${at}`,
          measured: round(largest!.totalRatio, 2),
          limit: 20,
          comparison: ">=",
          unit: "×",
        },
      ],
    };
  },
};
