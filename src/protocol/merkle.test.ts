import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import fc from "fast-check";
import { type Address, type Hex, bytesToHex, getAddress } from "viem";
import { describe, expect, it } from "vitest";
import { batchLeaf, batchLeafBytes, buildMerkleTree, rewardLeaf, rewardLeafBytes, verifyProof } from "./merkle";

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => bytesToHex(b));
const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => getAddress(bytesToHex(b)) as Address);

describe("byte-array Merkle tree", () => {
  it("gives the same root and proofs as StandardMerkleTree for batch leaves", () => {
    fc.assert(
      fc.property(fc.uniqueArray(bytes32, { minLength: 1, maxLength: 40 }), (hashes: Hex[]) => {
        const reference = StandardMerkleTree.of(
          hashes.map((h) => [h]),
          ["bytes32"],
        );
        const tree = buildMerkleTree(hashes.map((h) => batchLeafBytes(h)));
        expect(tree.root).toBe(reference.root);
        for (const [i, [h]] of reference.entries()) {
          expect(tree.proof(batchLeaf(h!))).toEqual(reference.getProof(i));
        }
      }),
      { numRuns: 60 },
    );
  });

  it("gives the same root and proofs as StandardMerkleTree for reward leaves", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(address, fc.bigInt({ min: 0n, max: 2n ** 256n - 1n })), {
          minLength: 1,
          maxLength: 40,
          selector: ([a]) => a.toLowerCase(),
        }),
        (entries) => {
          const reference = StandardMerkleTree.of(
            entries.map(([a, v]) => [a, v.toString()]),
            ["address", "uint256"],
          );
          const tree = buildMerkleTree(entries.map(([a, v]) => rewardLeafBytes(a, v)));
          expect(tree.root).toBe(reference.root);
          for (const [i, [a, v]] of reference.entries()) {
            const leaf = rewardLeaf(a as Address, BigInt(v!));
            const proof = tree.proof(leaf);
            expect(proof).toEqual(reference.getProof(i));
            expect(verifyProof(tree.root, leaf, proof)).toBe(true);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("rejects a proof for a leaf that is not in the tree and an empty leaf set", () => {
    const tree = buildMerkleTree([batchLeafBytes(`0x${"11".repeat(32)}`), batchLeafBytes(`0x${"22".repeat(32)}`)]);
    const outsider = batchLeaf(`0x${"33".repeat(32)}`);
    expect(tree.has(outsider)).toBe(false);
    expect(() => tree.proof(outsider)).toThrow(/not in the tree/);
    expect(verifyProof(tree.root, outsider, tree.proof(batchLeaf(`0x${"11".repeat(32)}`)))).toBe(false);
    expect(() => buildMerkleTree([])).toThrow(/at least one leaf/);
  });
});
