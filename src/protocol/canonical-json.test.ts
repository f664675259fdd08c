import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson, findForbiddenKey } from "./canonical-json";

function shuffleKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v, i) => shuffleKeys(v, seed + i));
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    entries.sort(() => (seed++ % 3) - 1);
    return Object.fromEntries(entries.map(([k, v]) => [k, shuffleKeys(v, seed)]));
  }
  return value;
}

describe("canonicalJson", () => {
  it("sorts keys, drops whitespace and undefined members", () => {
    expect(canonicalJson({ b: 1, a: [true, null, "x"], c: undefined, é: { z: 1, y: 2 } })).toBe(
      '{"a":[true,null,"x"],"b":1,"é":{"y":2,"z":1}}',
    );
  });

  it("is independent of key order and parses back to the same value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), (value, seed) => {
        const canonical = canonicalJson(value);
        expect(canonicalJson(shuffleKeys(value, seed))).toBe(canonical);
        expect(canonicalJson(JSON.parse(canonical))).toBe(canonical);
      }),
    );
  });

  it("refuses values JSON cannot hold", () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(/non-finite/);
    expect(() => canonicalJson(1n)).toThrow(/bigint/);
  });
});

describe("findForbiddenKey", () => {
  it("finds prototype-pollution keys at any depth", () => {
    expect(findForbiddenKey(JSON.parse('{"a":[{"b":{"__proto__":1}}]}'))).toBe("$.a[0].b.__proto__");
    expect(findForbiddenKey({ a: { constructor: 1 } })).toBe("$.a.constructor");
    expect(findForbiddenKey({ a: [1, "prototype"] })).toBeNull();
  });
});
