import { type Address, type Hex, getAddress, isAddress, isHex } from "viem";
import { KhoInputError } from "./errors";

/** A checksummed address, or KhoInputError saying `"<value>" is not an address`. */
export function toAddress(value: string, field = "address"): Address {
  if (typeof value !== "string" || !isAddress(value, { strict: false })) {
    throw new KhoInputError(`${field} "${String(value)}" is not an address`);
  }
  return getAddress(value);
}

/** Record ids start at 1 (0 means "none"), so only positive integers are ids. */
export function toId(value: bigint | number | string, kind: string): bigint {
  if (typeof value === "bigint") {
    if (value > 0n) return value;
  } else if (typeof value === "number") {
    if (Number.isSafeInteger(value) && value > 0) return BigInt(value);
  } else if (/^[0-9]+$/.test(value.trim()) && BigInt(value.trim()) > 0n) {
    return BigInt(value.trim());
  }
  throw new KhoInputError(`${kind} id "${String(value)}" is not a positive integer`);
}

/** A 32-byte hex value such as a content hash. */
export function toBytes32(value: string, field: string): Hex {
  if (!isHex(value, { strict: true }) || value.length !== 66) {
    throw new KhoInputError(`${field} "${value}" is not a 32-byte hex value (0x followed by 64 hex digits)`);
  }
  if (/^0x0{64}$/.test(value)) throw new KhoInputError(`${field} must not be zero`);
  return value.toLowerCase() as Hex;
}

export function toPositiveAmount(value: bigint, field = "amount"): bigint {
  if (typeof value !== "bigint" || value <= 0n) {
    throw new KhoInputError(`${field} must be greater than zero, got ${String(value)}`);
  }
  return value;
}

/** Rejects strings the registries would reject anyway, early and with the field's name. */
export function toNonEmpty(value: string, field: string): string {
  if (typeof value !== "string" || value.length === 0) throw new KhoInputError(`${field} must not be empty`);
  return value;
}
