/** An IP address reduced to its bytes, with the canonical text form the relayer logs and connects to. */
export type IpAddress = {
  family: 4 | 6;
  /** 4 bytes for IPv4, 16 for IPv6, network order. */
  bytes: Uint8Array;
  /** Dotted-quad for IPv4, RFC 5952 lower-case compressed form for IPv6 (no brackets, no zone). */
  address: string;
};

/**
 * Parses every spelling of an IP literal a URL host or a resolver can produce: IPv4 in the legacy
 * inet_aton / WHATWG forms (2130706433, 0177.0.0.1, 0x7f.1, 127.1, trailing dot) and IPv6 with zero
 * compression, embedded dotted IPv4, brackets, zone ids (dropped) and any letter case.
 * Returns undefined when the input is not an IP literal (e.g. a hostname).
 */
export function parseIpAddress(input: string): IpAddress | undefined {
  if (input.startsWith("[") && input.endsWith("]")) {
    // Brackets only ever wrap IPv6 literals.
    const inner = input.slice(1, -1);
    return inner.includes(":") ? parseIpv6(inner) : undefined;
  }
  if (input.includes(":")) return parseIpv6(input);
  return parseIpv4(input);
}

export function formatIpAddress(family: 4 | 6, bytes: Uint8Array): string {
  if (family === 4) return Array.from(bytes).join(".");
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  // RFC 5952: compress the longest run (first on ties) of two or more zero groups.
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8;) {
    if (groups[start] !== 0) {
      start += 1;
      continue;
    }
    let end = start;
    while (end < 8 && groups[end] === 0) end += 1;
    if (end - start > bestLength) {
      bestStart = start;
      bestLength = end - start;
    }
    start = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart === -1) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

const IPV4_NUMBER_DIGITS: Record<number, RegExp> = { 8: /^[0-7]*$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]*$/ };
const IPV4_NUMBER_PREFIX: Record<number, string> = { 8: "0o", 10: "", 16: "0x" };

// Mirrors the WHATWG URL "IPv4 number parser": 0x/0X means hex, a leading 0 means octal.
function parseIpv4Number(part: string): bigint | undefined {
  let radix = 10;
  let digits = part;
  if (/^0x/i.test(part)) {
    radix = 16;
    digits = part.slice(2);
  } else if (part.length > 1 && part.startsWith("0")) {
    radix = 8;
    digits = part.slice(1);
  }
  if (!IPV4_NUMBER_DIGITS[radix].test(digits)) return undefined;
  if (digits === "") return 0n;
  return BigInt(`${IPV4_NUMBER_PREFIX[radix]}${digits}`);
}

function parseIpv4(text: string): IpAddress | undefined {
  const parts = text.split(".");
  if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
  if (parts.length === 0 || parts.length > 4 || parts.some((part) => part === "")) return undefined;
  const numbers: bigint[] = [];
  for (const part of parts) {
    const value = parseIpv4Number(part);
    if (value === undefined) return undefined;
    numbers.push(value);
  }
  const last = numbers.pop() as bigint;
  if (numbers.some((value) => value > 255n)) return undefined;
  // The last part fills every byte the earlier parts did not name (127.1 is 127.0.0.1).
  const remainingBytes = BigInt(4 - numbers.length);
  if (last >= 256n ** remainingBytes) return undefined;
  let value = last;
  numbers.forEach((byte, index) => {
    value += byte << (8n * BigInt(3 - index));
  });
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i += 1) bytes[i] = Number((value >> BigInt(8 * (3 - i))) & 0xffn);
  return { family: 4, bytes, address: formatIpAddress(4, bytes) };
}

const DOTTED_DECIMAL_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
// Inside IPv6 only strict dotted decimal is valid (as in inet_pton and WHATWG): no octal, no short forms.
const EMBEDDED_IPV4 = new RegExp(`^${DOTTED_DECIMAL_OCTET}(?:\\.${DOTTED_DECIMAL_OCTET}){3}$`);
const HEX_GROUP = /^[0-9a-f]{1,4}$/;

function parseIpv6(input: string): IpAddress | undefined {
  let text = input.toLowerCase();
  const zoneStart = text.indexOf("%");
  if (zoneStart !== -1) {
    if (zoneStart === text.length - 1) return undefined;
    text = text.slice(0, zoneStart);
  }
  if (text.includes(".")) {
    const lastColon = text.lastIndexOf(":");
    const dotted = text.slice(lastColon + 1);
    if (!EMBEDDED_IPV4.test(dotted)) return undefined;
    const [a, b, c, d] = dotted.split(".").map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const splitGroups = (half: string): string[] => (half === "" ? [] : half.split(":"));
  const head = splitGroups(halves[0]);
  const tail = halves.length === 2 ? splitGroups(halves[1]) : [];
  if (![...head, ...tail].every((group) => HEX_GROUP.test(group))) return undefined;
  const groupCount = head.length + tail.length;
  if (halves.length === 1 ? groupCount !== 8 : groupCount > 7) return undefined;
  const groups = [...head, ...Array<string>(8 - groupCount).fill("0"), ...tail].map((group) => parseInt(group, 16));
  const bytes = new Uint8Array(16);
  groups.forEach((group, index) => {
    bytes[2 * index] = group >> 8;
    bytes[2 * index + 1] = group & 0xff;
  });
  return { family: 6, bytes, address: formatIpAddress(6, bytes) };
}
