import { formatIpAddress, type IpAddress, parseIpAddress } from "./ip-address";
import { cidr, type IpRange, rangeContains } from "./ip-cidr";

/** Why an address must not be reached from the relayer. */
export type IpBlockReason =
  | "unspecified"
  | "loopback"
  | "private"
  | "link-local"
  | "cgnat"
  | "ietf-protocol-assignments"
  | "documentation"
  | "benchmarking"
  | "multicast"
  | "broadcast"
  | "reserved"
  | "unique-local"
  | "site-local"
  | "discard-only"
  | "ipv4-compatible"
  | "teredo"
  | "nat64-local";

/** How an IPv4 address was carried inside an IPv6 one; the embedded address decides the verdict. */
export type EmbeddedIpv4Kind = "ipv4-mapped" | "nat64" | "6to4";

export type IpClassification = {
  /** Canonical text of the classified address. */
  address: string;
  family: 4 | 6;
  /** Present for ::ffff:0:0/96, 64:ff9b::/96 and 2002::/16 addresses. */
  embeddedIpv4?: { kind: EmbeddedIpv4Kind; address: string };
} & ({ blocked: false } | { blocked: true; reason: IpBlockReason; range: string });

type BlockedRange = { range: IpRange; reason: IpBlockReason };
type EmbeddingRange = { range: IpRange; embedded: EmbeddedIpv4Kind; offset: number };

const blocked = (text: string, reason: IpBlockReason): BlockedRange => ({ range: cidr(text), reason });

// First match wins, so a narrower range sits before any wider one that contains it.
const IPV4_BLOCKED: readonly BlockedRange[] = [
  blocked("0.0.0.0/8", "unspecified"),
  blocked("10.0.0.0/8", "private"),
  blocked("100.64.0.0/10", "cgnat"),
  blocked("127.0.0.0/8", "loopback"),
  blocked("169.254.0.0/16", "link-local"),
  blocked("172.16.0.0/12", "private"),
  blocked("192.0.0.0/24", "ietf-protocol-assignments"),
  blocked("192.0.2.0/24", "documentation"),
  // Deprecated 6to4 relay anycast (RFC 7526): nobody should be serving models there.
  blocked("192.88.99.0/24", "reserved"),
  blocked("192.168.0.0/16", "private"),
  blocked("198.18.0.0/15", "benchmarking"),
  blocked("198.51.100.0/24", "documentation"),
  blocked("203.0.113.0/24", "documentation"),
  blocked("224.0.0.0/4", "multicast"),
  blocked("255.255.255.255/32", "broadcast"),
  blocked("240.0.0.0/4", "reserved"),
];

// Ranges whose traffic really goes to an IPv4 address: the IPv4 address decides (so ::ffff:8.8.8.8 is
// public while ::ffff:127.0.0.1 is loopback). Checked before IPV6_BLOCKED.
const IPV6_EMBEDDING: readonly EmbeddingRange[] = [
  { range: cidr("::ffff:0:0/96"), embedded: "ipv4-mapped", offset: 12 },
  { range: cidr("64:ff9b::/96"), embedded: "nat64", offset: 12 },
  { range: cidr("2002::/16"), embedded: "6to4", offset: 2 },
];

const IPV6_BLOCKED: readonly BlockedRange[] = [
  blocked("::/128", "unspecified"),
  blocked("::1/128", "loopback"),
  // Deprecated IPv4-compatible addresses; where they still route, they reach hosts we cannot vet.
  blocked("::/96", "ipv4-compatible"),
  // Local-use NAT64 prefixes may embed the IPv4 address at any offset, so the target is unknowable.
  blocked("64:ff9b:1::/48", "nat64-local"),
  blocked("100::/64", "discard-only"),
  blocked("2001::/32", "teredo"),
  blocked("2001:2::/48", "benchmarking"),
  blocked("2001:db8::/32", "documentation"),
  blocked("2001::/23", "ietf-protocol-assignments"),
  blocked("3fff::/20", "documentation"),
  blocked("fc00::/7", "unique-local"),
  blocked("fe80::/10", "link-local"),
  blocked("fec0::/10", "site-local"),
  blocked("ff00::/8", "multicast"),
];

// Only IANA's global unicast block is public; everything else in IPv6 is unassigned or special.
const IPV6_GLOBAL_UNICAST = cidr("2000::/3");

/**
 * Classifies an IP literal in any spelling `parseIpAddress` accepts.
 * @throws TypeError when the input is not an IP address.
 */
export function classifyIp(address: string): IpClassification {
  const ip = parseIpAddress(address);
  if (ip === undefined) throw new TypeError(`"${address}" is not an IP address.`);
  return classifyIpAddress(ip);
}

export function classifyIpAddress(ip: IpAddress): IpClassification {
  if (ip.family === 4) return classifyIpv4(ip);
  for (const { range, embedded, offset } of IPV6_EMBEDDING) {
    if (!rangeContains(range, ip)) continue;
    const bytes = ip.bytes.slice(offset, offset + 4);
    const inner = classifyIpv4({ family: 4, bytes, address: formatIpAddress(4, bytes) });
    const embeddedIpv4 = { kind: embedded, address: inner.address };
    if (inner.blocked)
      return { address: ip.address, family: 6, embeddedIpv4, blocked: true, reason: inner.reason, range: inner.range };
    return { address: ip.address, family: 6, embeddedIpv4, blocked: false };
  }
  const match = IPV6_BLOCKED.find(({ range }) => rangeContains(range, ip));
  if (match) return { address: ip.address, family: 6, blocked: true, reason: match.reason, range: match.range.cidr };
  if (!rangeContains(IPV6_GLOBAL_UNICAST, ip)) {
    return { address: ip.address, family: 6, blocked: true, reason: "reserved", range: "outside 2000::/3" };
  }
  return { address: ip.address, family: 6, blocked: false };
}

function classifyIpv4(ip: IpAddress): IpClassification {
  const match = IPV4_BLOCKED.find(({ range }) => rangeContains(range, ip));
  if (match) return { address: ip.address, family: 4, blocked: true, reason: match.reason, range: match.range.cidr };
  return { address: ip.address, family: 4, blocked: false };
}
