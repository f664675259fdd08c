import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { WordSet } from "./word-set";

describe("WordSet", () => {
  it("holds exactly the words a Set of their hex holds, across growth and at any offset", () => {
    const words = new WordSet();
    const reference = new Set<string>();
    const pool = randomBytes(32 * 3000);
    for (let i = 0; i < 20_000; i++) {
      // Offsets not aligned to 32 or 4, and repeats drawn from a small pool.
      const offset = (i * 7919) % 9000;
      const hex = pool.toString("hex", offset, offset + 32);
      expect(words.has(pool, offset)).toBe(reference.has(hex));
      expect(words.add(pool, offset)).toBe(!reference.has(hex));
      reference.add(hex);
      expect(words.has(pool, offset)).toBe(true);
    }
    expect(words.size).toBe(reference.size);
    expect(words.size).toBeGreaterThan(4096);
  });

  it("tells words apart that differ only in their last bytes, however their buckets meet", () => {
    const words = new WordSet();
    const bytes = new Uint8Array(32).fill(0xab);
    for (let i = 0; i < 20_000; i++) {
      bytes[30] = i >> 8;
      bytes[31] = i & 0xff;
      expect(words.has(bytes, 0)).toBe(false);
      expect(words.add(bytes, 0)).toBe(true);
    }
    expect(words.size).toBe(20_000);
  });

  it("refuses an offset the word does not fit at", () => {
    const words = new WordSet();
    expect(() => words.add(new Uint8Array(40), 9)).toThrow("A 32-byte word at offset 9 does not fit in 40 bytes.");
    expect(() => words.has(new Uint8Array(40), -1)).toThrow(RangeError);
  });
});
