import { type IpAddress, parseIpAddress } from "./ip-address";

export type IpRange = {
  family: 4 | 6;
  /** Network address bytes (host bits are zero). */
  bytes: Uint8Array;
  prefixLength: number;
  /** Canonical CIDR text, e.g. "127.0.0.0/8" or "fe80::/10". */
  cidr: string;
};

/**
 * Parses "address/prefix" or a bare address (a single-address range). Host bits must be zero so a
 * typo like "10.0.0.5/8" is reported instead of silently widened. Returns undefined when invalid.
 */
export function parseCidr(text: string): IpRange | undefined {
  const slash = text.indexOf("/");
  const ip = parseIpAddress(slash === -1 ? text : text.slice(0, slash));
  if (ip === undefined) return undefined;
  const maxPrefix = ip.family === 4 ? 32 : 128;
  let prefixLength = maxPrefix;
  if (slash !== -1) {
    const prefixText = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) return undefined;
    prefixLength = Number(prefixText);
    if (prefixLength > maxPrefix) return undefined;
  }
  const range: IpRange = { family: ip.family, bytes: ip.bytes, prefixLength, cidr: `${ip.address}/${prefixLength}` };
  if (!hasZeroHostBits(range)) return undefined;
  return range;
}

/** Parses a CIDR the code itself defines; a typo there is a programming error. */
export function cidr(text: string): IpRange {
  const range = parseCidr(text);
  if (range === undefined) throw new Error(`Invalid built-in CIDR ${text}.`);
  return range;
}

export function rangeContains(range: IpRange, ip: IpAddress): boolean {
  if (range.family !== ip.family) return false;
  for (let bit = 0; bit < range.prefixLength; bit += 8) {
    const byteIndex = bit / 8;
    const bitsInByte = Math.min(8, range.prefixLength - bit);
    const mask = (0xff << (8 - bitsInByte)) & 0xff;
    if ((ip.bytes[byteIndex] & mask) !== (range.bytes[byteIndex] & mask)) return false;
  }
  return true;
}

function hasZeroHostBits(range: IpRange): boolean {
  for (let byteIndex = 0; byteIndex < range.bytes.length; byteIndex += 1) {
    const networkBits = Math.max(0, Math.min(8, range.prefixLength - byteIndex * 8));
    const hostMask = 0xff >> networkBits;
    if ((range.bytes[byteIndex] & hostMask) !== 0) return false;
  }
  return true;
}
