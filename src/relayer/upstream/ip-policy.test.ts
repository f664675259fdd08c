import { BlockList } from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCidr, rangeContains } from "./ip-cidr";
import { classifyIp } from "./ip-policy";

// An independent oracle: node's own BlockList loaded with the IPv4 special-purpose ranges.
const IPV4_SPECIAL = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.0.2.0/24",
  "192.88.99.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "198.51.100.0/24",
  "203.0.113.0/24",
  "224.0.0.0/4",
  "240.0.0.0/4",
];
const oracle = new BlockList();
for (const range of IPV4_SPECIAL) {
  const [network, prefix] = range.split("/");
  oracle.addSubnet(network, Number(prefix), "ipv4");
}

const dotted = (value: number): string => [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join(".");
// Uniform 32-bit values rarely land in small ranges, so also aim at each range's edges.
const ipv4 = fc.oneof(
  fc.integer({ min: 0, max: 0xffffffff }),
  fc
    .tuple(fc.constantFrom(...IPV4_SPECIAL), fc.integer({ min: -2, max: 2 }), fc.boolean())
    .map(([range, delta, end]) => {
      const [network, prefix] = range.split("/");
      const base = network.split(".").reduce((acc, byte) => acc * 256 + Number(byte), 0);
      const edge = end ? base + 2 ** (32 - Number(prefix)) - 1 : base;
      return Math.min(0xffffffff, Math.max(0, edge + delta));
    }),
);

describe("classifyIp", () => {
  it("blocks exactly the IPv4 addresses node's BlockList holds for the special-purpose ranges", () => {
    fc.assert(
      fc.property(ipv4, (value) => {
        const address = dotted(value);
        expect(classifyIp(address).blocked, address).toBe(oracle.check(address, "ipv4"));
      }),
    );
  });

  it("judges an IPv4 address carried in mapped, NAT64 and 6to4 IPv6 by the IPv4 address", () => {
    fc.assert(
      fc.property(ipv4, (value) => {
        const v4 = classifyIp(dotted(value));
        const hi = (value >>> 16).toString(16);
        const lo = (value & 0xffff).toString(16);
        for (const carried of [
          `::ffff:${dotted(value)}`,
          `::ffff:${hi}:${lo}`,
          `64:ff9b::${hi}:${lo}`,
          `2002:${hi}:${lo}::1`,
        ]) {
          const v6 = classifyIp(carried);
          expect(v6.blocked, carried).toBe(v4.blocked);
          expect(v6.embeddedIpv4?.address, carried).toBe(v4.address);
          if (v6.blocked && v4.blocked) expect(v6.reason).toBe(v4.reason);
        }
      }),
    );
  });

  it("treats only global unicast (2000::/3) outside the special ranges as public IPv6", () => {
    const global = parseCidr("2000::/3");
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const text = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] << 8) | bytes[2 * i + 1]).toString(16)).join(
          ":",
        );
        const result = classifyIp(text);
        if (!result.blocked && result.embeddedIpv4 === undefined) {
          expect(global && rangeContains(global, { family: 6, bytes, address: text })).toBe(true);
        }
      }),
    );
  });

  it("reports the range and reason", () => {
    expect(classifyIp("169.254.169.254")).toEqual({
      address: "169.254.169.254",
      family: 4,
      blocked: true,
      reason: "link-local",
      range: "169.254.0.0/16",
    });
    expect(classifyIp("::ffff:7f00:1")).toEqual({
      address: "::ffff:7f00:1",
      family: 6,
      embeddedIpv4: { kind: "ipv4-mapped", address: "127.0.0.1" },
      blocked: true,
      reason: "loopback",
      range: "127.0.0.0/8",
    });
    expect(classifyIp("fe80::1%eth0")).toMatchObject({ blocked: true, reason: "link-local" });
    expect(classifyIp("2606:4700:4700::1111")).toEqual({ address: "2606:4700:4700::1111", family: 6, blocked: false });
  });

  it("refuses input that is not an IP address with one sentence", () => {
    expect(() => classifyIp("example.com")).toThrow('"example.com" is not an IP address.');
  });
});

describe("parseCidr", () => {
  it.each([
    ["10.0.0.0/8", "10.0.0.0/8"],
    ["10.1.2.3", "10.1.2.3/32"],
    ["fd00:1::/32", "fd00:1::/32"],
    ["::1", "::1/128"],
  ])("parses %s", (input, cidr) => {
    expect(parseCidr(input)?.cidr).toBe(cidr);
  });

  it.each(["10.0.0.5/8", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/08", "nope/8", "fd00::1/64"])(
    "refuses %s",
    (input) => {
      expect(parseCidr(input)).toBeUndefined();
    },
  );
});
