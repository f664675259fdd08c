import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { WordSet } from "./word-set";

describe("WordSet", () => {
  it.each([
    ["grown from the smallest table", 0],
    ["sized for the words up front", 9000],
    ["told of far more words than it gets (a false count on chain)", 2 ** 40],
  ])("holds exactly the words a Set of their hex holds, at any offset, %s", (_, expected) => {
    const words = new WordSet(expected);
    const reference = new Set<string>();
    const pool = randomBytes(32 * 3000);
    for (let i = 0; i < 20_000; i++) {
      // Offsets aligned to neither 32 nor 4, and repeats: 9,000 distinct offsets for 20,000 adds.
      const offset = (i * 7919) % 9000;
      const hex = pool.toString("hex", offset, offset + 32);
      expect(words.has(pool, offset)).toBe(reference.has(hex));
      words.add(pool, offset);
      reference.add(hex);
      expect(words.has(pool, offset)).toBe(true);
    }
    for (let offset = 0; offset < 9000; offset++) expect(words.has(pool, offset)).toBe(true);
    expect(reference.size).toBe(9000);
  });

  it("tells apart 20,000 words that differ only in their last two bytes", () => {
    // Dense in one corner of the key space: a hash without final mixing clusters these into long
    // probe runs, where a comparison that skipped a byte would find a false match.
    const words = new WordSet();
    const bytes = new Uint8Array(32).fill(0xab);
    for (let i = 0; i < 20_000; i++) {
      bytes[30] = i >> 8;
      bytes[31] = i & 0xff;
      expect(words.has(bytes, 0)).toBe(false);
      words.add(bytes, 0);
      expect(words.has(bytes, 0)).toBe(true);
    }
  });

  it("refuses an offset the word does not fit at", () => {
    const words = new WordSet();
    expect(() => words.add(new Uint8Array(40), 9)).toThrow("A 32-byte word at offset 9 does not fit in 40 bytes.");
    expect(() => words.has(new Uint8Array(40), -1)).toThrow(RangeError);
    expect(() => words.has(new Uint8Array(40), 0.5)).toThrow(RangeError);
  });
});
