import fc from "fast-check";
import { type Hex, keccak256, stringToBytes, zeroHash } from "viem";
import { describe, expect, it } from "vitest";
import { attributionHash, attributionSchema, isNormalizedAttribution, normalizeAttribution } from "./attribution";
import { canonicalJsonHash } from "./canonical-json";

const H1 = `0x${"11".repeat(32)}` as const;
const H2 = `0x${"22".repeat(32)}` as const;

describe("attribution", () => {
  it("hashes to zero when an answer cites nothing", () => {
    expect(attributionHash([])).toBe(zeroHash);
  });

  it("is the keccak256 of the canonical JSON of the sorted, deduplicated list", () => {
    const list = [
      { contentHash: H2, entryId: "pho" },
      { contentHash: H1, entryId: "ca-kho-to" },
      { contentHash: H2, entryId: "pho" },
    ];
    expect(normalizeAttribution(list)).toEqual([
      { contentHash: H1, entryId: "ca-kho-to" },
      { contentHash: H2, entryId: "pho" },
    ]);
    const json = `[{"contentHash":"${H1}","entryId":"ca-kho-to"},{"contentHash":"${H2}","entryId":"pho"}]`;
    expect(attributionHash(list)).toBe(keccak256(stringToBytes(json)));
    expect(attributionHash([...list].reverse())).toBe(attributionHash(list));
    expect(attributionHash([{ contentHash: H1, entryId: "ca-kho" }])).not.toBe(
      attributionHash([{ contentHash: H1, entryId: "ca-kho-to" }]),
    );
  });

  it("equals canonicalJsonHash of the normalized list for any strings, and normalizes to a fixed point", () => {
    // Any strings, not only valid ones: quotes, escapes and non-ASCII must be written as canonicalJson writes them.
    const text = fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.constantFrom("", '"', "\\", "\u0000", "é"));
    const entry = fc.record({
      contentHash: fc.oneof(
        fc.constantFrom(H1, H2),
        text.map((t) => t as Hex),
      ),
      entryId: fc.oneof(fc.constantFrom("ca-kho-to", "pho"), text),
    });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 20 }), (list) => {
        const normalized = normalizeAttribution(list);
        expect(isNormalizedAttribution(normalized)).toBe(true);
        expect(normalizeAttribution(normalized)).toEqual(normalized);
        expect(normalizeAttribution([...list].reverse())).toEqual(normalized);
        expect(attributionHash(list)).toBe(normalized.length === 0 ? zeroHash : canonicalJsonHash(normalized));
      }),
      { numRuns: 500 },
    );
  });

  it("accepts only lower-case hashes, entry ids and bounded lists", () => {
    expect(attributionSchema.safeParse([{ contentHash: H1.toUpperCase(), entryId: "a" }]).success).toBe(false);
    expect(attributionSchema.safeParse([{ contentHash: H1, entryId: "Ca Kho" }]).success).toBe(false);
    expect(attributionSchema.safeParse([{ contentHash: H1, entryId: "a", extra: 1 }]).success).toBe(false);
    const many = Array.from({ length: 17 }, (_, i) => ({ contentHash: H1, entryId: `e-${i}` }));
    expect(attributionSchema.safeParse(many).success).toBe(false);
    expect(attributionSchema.safeParse(many.slice(0, 16)).success).toBe(true);
  });
});
