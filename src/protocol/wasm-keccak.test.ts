import fc from "fast-check";
import { type Hex, bytesToHex, keccak256 } from "viem";
import { describe, expect, it } from "vitest";
import { batchTree } from "./batch-file";
import { batchLeaf } from "./merkle";
import { loadWasmKeccak } from "./wasm-keccak";

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => bytesToHex(b) as Hex);

describe("WebAssembly keccak", () => {
  it("hashes like viem's keccak256, into a buffer and as a file, at every length around the rate", async () => {
    const keccak = await loadWasmKeccak();
    // 136 bytes is keccak256's rate: lengths around its multiples cross the padding cases.
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600, size: "max" }), fc.nat(8), async (data, offset) => {
        const out = new Uint8Array(40 + offset);
        keccak.into(data, out, offset);
        expect(bytesToHex(out.subarray(offset, offset + 32))).toBe(keccak256(data));
        expect(keccak.file(data)).toBe(keccak256(data));
      }),
    );
  });

  it("builds the same batch tree as the protocol's default keccak", async () => {
    const keccak = await loadWasmKeccak();
    fc.assert(
      fc.property(fc.array(bytes32, { minLength: 1, maxLength: 64 }), (hashes) => {
        const fast = batchTree(hashes, keccak.into);
        const reference = batchTree(hashes);
        expect(fast.root).toBe(reference.root);
        for (const leaf of hashes.map((h) => batchLeaf(h))) expect(fast.proof(leaf)).toEqual(reference.proof(leaf));
      }),
    );
  });
});
