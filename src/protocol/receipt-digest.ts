import { utf8ToBytes } from "@noble/hashes/utils";
import { isAddress } from "viem";
import { keccak256Bytes } from "./keccak";
import { RECEIPT_TYPE_STRING, USAGE_LEDGER_EIP712_NAME, USAGE_LEDGER_EIP712_VERSION } from "./eip712";
// Type-only: the signing worker loads this module on its own, so it must not pull receipt.ts in.
import type { InferenceReceipt, LedgerDomain } from "./receipt";

/**
 * The EIP-712 digest of an InferenceReceipt computed over bytes: the same bytes viem's
 * hashTypedData hashes (tests check it against viem for random receipts and domains), written
 * straight into one buffer. viem builds hex strings and ABI-encodes every field, which made
 * hashing the largest cost of signing and of collecting an epoch's receipts.
 */

/** RangeError: a value out of its Solidity type's range or a hex string of the wrong shape. TypeError: wrong JS type. */
export type ReceiptDigestErrorType = RangeError | TypeError;

const EIP712_DOMAIN_TYPE_STRING = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";

const RECEIPT_TYPEHASH = keccak256Bytes(utf8ToBytes(RECEIPT_TYPE_STRING));
const DOMAIN_TYPEHASH = keccak256Bytes(utf8ToBytes(EIP712_DOMAIN_TYPE_STRING));
const NAME_HASH = keccak256Bytes(utf8ToBytes(USAGE_LEDGER_EIP712_NAME));
const VERSION_HASH = keccak256Bytes(utf8ToBytes(USAGE_LEDGER_EIP712_VERSION));

const MAX_UINT8 = 255n;
const MAX_UINT64 = 2n ** 64n - 1n;
const MAX_UINT256 = 2n ** 256n - 1n;
const TWO_POW_32 = 2 ** 32;

const HEX_VALUES = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < 10; i++) table[48 + i] = i;
  for (let i = 0; i < 6; i++) {
    table[65 + i] = 10 + i;
    table[97 + i] = 10 + i;
  }
  return table;
})();

// One shared buffer per thread: hashing is synchronous and every call rewrites every word.
const STRUCT = new Uint8Array(15 * 32);
const STRUCT_VIEW = new DataView(STRUCT.buffer);
const DIGEST_INPUT = new Uint8Array(2 + 32 + 32);
STRUCT.set(RECEIPT_TYPEHASH, 0);
DIGEST_INPUT[0] = 0x19;
DIGEST_INPUT[1] = 0x01;

function hexDigit(code: number): number {
  return code < 128 ? HEX_VALUES[code]! : -1;
}

function writeBytes32(field: string, value: unknown, out: Uint8Array, offset: number): void {
  if (typeof value !== "string") throw new TypeError(`${field} must be a 0x-prefixed 32-byte hex string.`);
  if (value.length !== 66 || value.charCodeAt(0) !== 48 || value.charCodeAt(1) !== 120)
    throw new RangeError(`${field} must be 0x followed by exactly 64 hex digits.`);
  for (let i = 0; i < 32; i++) {
    const hi = hexDigit(value.charCodeAt(2 + 2 * i));
    const lo = hexDigit(value.charCodeAt(3 + 2 * i));
    if (hi < 0 || lo < 0) throw new RangeError(`${field} contains a character that is not a hex digit.`);
    out[offset + i] = (hi << 4) | lo;
  }
}

function outOfRange(field: string, bits: number, value: bigint | number): RangeError {
  return new RangeError(`${field} ${value} is outside the uint${bits} range.`);
}

/** Writes an unsigned integer big-endian over the whole 32-byte word at `offset`. */
function writeUint(field: string, value: unknown, bits: 8 | 64 | 256, offset: number): void {
  STRUCT.fill(0, offset, offset + 32);
  if (typeof value === "number") {
    // Numbers beyond 2^53 have already lost precision, so hashing them would sign a value nobody meant.
    if (!Number.isSafeInteger(value)) throw new RangeError(`${field} ${value} is not a safe integer; pass a bigint.`);
    if (value < 0 || (bits === 8 && value > 255)) throw outOfRange(field, bits, value);
    STRUCT_VIEW.setUint32(offset + 24, Math.floor(value / TWO_POW_32));
    STRUCT_VIEW.setUint32(offset + 28, value >>> 0);
    return;
  }
  if (typeof value !== "bigint") throw new TypeError(`${field} must be a bigint.`);
  const max = bits === 8 ? MAX_UINT8 : bits === 64 ? MAX_UINT64 : MAX_UINT256;
  if (value < 0n || value > max) throw outOfRange(field, bits, value);
  if (value <= MAX_UINT64) {
    STRUCT_VIEW.setBigUint64(offset + 24, value);
    return;
  }
  STRUCT_VIEW.setBigUint64(offset, value >> 192n);
  STRUCT_VIEW.setBigUint64(offset + 8, BigInt.asUintN(64, value >> 128n));
  STRUCT_VIEW.setBigUint64(offset + 16, BigInt.asUintN(64, value >> 64n));
  STRUCT_VIEW.setBigUint64(offset + 24, BigInt.asUintN(64, value));
}

/** Writes a 20-byte address left-padded over the word at `offset` (any letter case; not checksum-checked). */
function writeAddress(field: string, value: unknown, offset: number): void {
  if (typeof value !== "string") throw new TypeError(`${field} must be a 0x-prefixed 20-byte hex address.`);
  if (value.length !== 42 || value.charCodeAt(0) !== 48 || value.charCodeAt(1) !== 120)
    throw new RangeError(`${field} must be 0x followed by exactly 40 hex digits.`);
  STRUCT.fill(0, offset, offset + 12);
  for (let i = 0; i < 20; i++) {
    const hi = hexDigit(value.charCodeAt(2 + 2 * i));
    const lo = hexDigit(value.charCodeAt(3 + 2 * i));
    if (hi < 0 || lo < 0) throw new RangeError(`${field} contains a character that is not a hex digit.`);
    STRUCT[offset + 12 + i] = (hi << 4) | lo;
  }
}

const MAX_CACHED_DOMAINS = 16;
const separators = new Map<string, Uint8Array>();

/**
 * The EIP-712 domain separator of a UsageLedger, cached per (chainId, ledger). The key is the
 * address as given, so each spelling is validated once (a bad EIP-55 checksum must keep failing).
 */
export function receiptDomainSeparator(domain: LedgerDomain): Uint8Array {
  if (typeof domain !== "object" || domain === null) throw new TypeError("domain must be { chainId, ledger }.");
  const { chainId, ledger } = domain;
  const key = `${String(chainId)}:${String(ledger)}`;
  const cached = separators.get(key);
  if (cached !== undefined) return cached;

  // usageLedgerDomain (used for signatures recovered with viem) turns chainId into a number, so a
  // chain id beyond 2^53 would hash differently there; refuse it rather than disagree.
  const id = typeof chainId === "bigint" ? chainId : typeof chainId === "number" ? chainId : undefined;
  if (id === undefined) throw new TypeError("domain.chainId must be a number or a bigint.");
  if (typeof id === "number" ? !Number.isSafeInteger(id) || id < 0 : id < 0n || id > BigInt(Number.MAX_SAFE_INTEGER))
    throw new RangeError(`domain.chainId ${id} must be an integer from 0 to 2^53 - 1.`);
  if (typeof ledger !== "string" || !isAddress(ledger))
    throw new RangeError(`domain.ledger ${String(ledger)} is not an address (or has a wrong EIP-55 checksum).`);

  const encoded = new Uint8Array(5 * 32);
  const view = new DataView(encoded.buffer);
  encoded.set(DOMAIN_TYPEHASH, 0);
  encoded.set(NAME_HASH, 32);
  encoded.set(VERSION_HASH, 64);
  view.setBigUint64(96 + 24, BigInt(id));
  for (let i = 0; i < 20; i++) {
    encoded[128 + 12 + i] = (hexDigit(ledger.charCodeAt(2 + 2 * i)) << 4) | hexDigit(ledger.charCodeAt(3 + 2 * i));
  }
  const separator = keccak256Bytes(encoded);

  if (separators.size >= MAX_CACHED_DOMAINS) separators.delete(separators.keys().next().value!);
  separators.set(key, separator);
  return separator;
}

/** keccak256(encodeData(InferenceReceipt)): the receipt's EIP-712 struct hash. */
export function receiptStructHash(receipt: InferenceReceipt): Uint8Array {
  if (typeof receipt !== "object" || receipt === null) throw new TypeError("receipt must be an object.");
  writeBytes32("requestId", receipt.requestId, STRUCT, 32);
  writeUint("modelId", receipt.modelId, 256, 64);
  writeUint("deploymentId", receipt.deploymentId, 256, 96);
  writeUint("communityId", receipt.communityId, 256, 128);
  writeBytes32("userId", receipt.userId, STRUCT, 160);
  writeUint("userKind", receipt.userKind, 8, 192);
  writeBytes32("inputHash", receipt.inputHash, STRUCT, 224);
  writeBytes32("outputHash", receipt.outputHash, STRUCT, 256);
  writeUint("timestamp", receipt.timestamp, 64, 288);
  writeUint("epoch", receipt.epoch, 64, 320);
  writeUint("fee", receipt.fee, 256, 352);
  writeAddress("payer", receipt.payer, 384);
  writeBytes32("userAuth", receipt.userAuth, STRUCT, 416);
  writeBytes32("attributionHash", receipt.attributionHash, STRUCT, 448);
  return keccak256Bytes(STRUCT);
}

/** keccak256(0x1901 ‖ domainSeparator ‖ structHash), as 32 fresh bytes. */
export function receiptDigest(receipt: InferenceReceipt, domain: LedgerDomain): Uint8Array {
  const separator = receiptDomainSeparator(domain);
  const structHash = receiptStructHash(receipt);
  DIGEST_INPUT.set(separator, 2);
  DIGEST_INPUT.set(structHash, 34);
  return keccak256Bytes(DIGEST_INPUT);
}
