import { isIP } from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatIpAddress, parseIpAddress } from "./ip-address";

const dotted = (value: number): string => [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join(".");

// Every legacy way to write the same 32-bit IPv4 address.
function ipv4Spellings(value: number): string[] {
  const [a, b, c, d] = [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff);
  return [
    String(value),
    `0x${value.toString(16)}`,
    `0X${value.toString(16).toUpperCase()}`,
    `0${value.toString(8)}`,
    `${a}.${(value & 0xffffff) >>> 0}`,
    `${a}.${b}.${(c << 8) | d}`,
    `0x${a.toString(16)}.0${b.toString(8)}.${c}.0x${d.toString(16)}`,
    `${dotted(value)}.`,
    [a, b, c, d].map((byte) => `00${byte.toString(8)}`).join("."),
  ];
}

describe("parseIpAddress", () => {
  it("reads every legacy IPv4 spelling as the same address, exactly as WHATWG URL does", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (value) => {
        for (const spelling of ipv4Spellings(value)) {
          const parsed = parseIpAddress(spelling);
          expect(parsed?.address, spelling).toBe(dotted(value));
          expect(new URL(`http://${spelling}/`).hostname, spelling).toBe(dotted(value));
        }
      }),
    );
  });

  it("formats IPv6 like WHATWG URL and parses its own output back", () => {
    const groups = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), {
      minLength: 8,
      maxLength: 8,
    });
    fc.assert(
      fc.property(groups, (words) => {
        const bytes = new Uint8Array(words.flatMap((word) => [word >> 8, word & 0xff]));
        const text = formatIpAddress(6, bytes);
        expect(isIP(text)).toBe(6);
        expect(`[${text}]`).toBe(new URL(`http://[${words.map((w) => w.toString(16)).join(":")}]/`).hostname);
        const reparsed = parseIpAddress(text);
        expect(reparsed?.bytes).toEqual(bytes);
        // Uppercase, full-width groups and brackets are the same address.
        const long = words.map((word) => word.toString(16).padStart(4, "0").toUpperCase()).join(":");
        expect(parseIpAddress(`[${long}]`)?.address).toBe(text);
      }),
    );
  });

  it.each([
    ["::1", "::1"],
    ["[::1]", "::1"],
    ["fe80::1%eth0", "fe80::1"],
    ["[FE80::1%25eth0]", "fe80::1"],
    ["::ffff:127.0.0.1", "::ffff:7f00:1"],
    ["1:0:0:1:0:0:0:1", "1:0:0:1::1"],
    ["1:0:0:0:1:0:0:1", "1::1:0:0:1"],
    ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
    ["1::2:3:4:5:6:7", "1:0:2:3:4:5:6:7"],
  ])("parses %s as %s", (input, address) => {
    expect(parseIpAddress(input)?.address).toBe(address);
  });

  it.each([
    "",
    ".",
    "localhost",
    "example.com",
    "1e3",
    "08",
    "0x1g",
    "1.2.3.4.5",
    "256.1.1.1",
    "1.2.3.256",
    "1.2.65536",
    "4294967296",
    "[127.0.0.1]",
    "1:2:3:4:5:6:7:8:9",
    "1:2:3:4:5:6:7",
    "1::2::3",
    "12345::1",
    "::ffff:127.1",
    "::ffff:0127.0.0.1",
    "::ffff:1.2.3.4.5",
    "fe80::1%",
    ":::1",
    "[::1",
  ])("refuses %j", (input) => {
    expect(parseIpAddress(input)).toBeUndefined();
  });
});
