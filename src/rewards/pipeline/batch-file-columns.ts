import { type Address, getAddress } from "viem";
import type { AttributedEntry } from "../../protocol/attribution";
import {
  type BatchFileHeader,
  attributionMismatch,
  batchFileHeaderFromJson,
  payerCharges,
  settlementMismatch,
} from "../../protocol/batch-file";
import { receiptTypes } from "../../protocol/eip712";
import { bytes32ToHex } from "../../protocol/merkle";
import { UserKind } from "../../protocol/receipt";
import { type SignedReceipt, attributionFromJsonFast, signedReceiptFromJsonFast } from "../../protocol/receipt-json";
import * as receiptColumns from "./receipt-columns";
import { Interner, type ReceiptColumns, integerColumn, wordOffset } from "./receipt-columns";

/** A batch file read straight into columns (readBatchFileColumns). */
export type BatchFileColumns = {
  header: BatchFileHeader;
  columns: ReceiptColumns;
  /** Each receipt's hash as filed, 32 bytes a receipt in file order (what batchTreeFromBytes takes). */
  hashes: Uint8Array;
  /** Receipt `row` as parseBatchFile returns it, read again from its bytes (for the few a sample picks). */
  signedReceipt(row: number): SignedReceipt;
};

// One receipt as serializeBatchFile writes it: the protocol's fields in order (receiptToJson's
// order), then hash and signature, no whitespace, lower-case hex, the payer checksummed. Each step
// is the literal text before a value (closing quote of the previous value, key, opening quote, 0x)
// and the value's kind.
type ValueKind = "word" | "uint256" | "uint64" | "userKind" | "payer" | "hash" | "signature";
const KIND_OF_TYPE = {
  bytes32: "word",
  uint256: "uint256",
  uint64: "uint64",
  uint8: "userKind",
  address: "payer",
} as const satisfies Record<(typeof receiptTypes.InferenceReceipt)[number]["type"], ValueKind>;
const QUOTED: ReadonlySet<ValueKind> = new Set(["word", "uint256", "uint64", "payer", "hash", "signature"]);
const HEX_PREFIXED: ReadonlySet<ValueKind> = new Set(["word", "payer", "hash", "signature"]);
const ascii = (text: string) => new Uint8Array(Buffer.from(text, "latin1"));
const STEPS = [
  ...receiptTypes.InferenceReceipt.map((f) => ({ key: f.name as string, kind: KIND_OF_TYPE[f.type] as ValueKind })),
  { key: "hash", kind: "hash" as const },
  { key: "signature", kind: "signature" as const },
].map(({ key, kind }, i, all) => {
  const before = i === 0 ? "{" : QUOTED.has(all[i - 1]!.kind) ? '",' : ",";
  const open = (QUOTED.has(kind) ? '"' : "") + (HEX_PREFIXED.has(kind) ? "0x" : "");
  return { literal: ascii(`${before}"${key}":${open}`), kind };
});
// Copied once: a transpiled import is a property read through a getter, in a loop run a million times.
const { ROW_BYTES, INTEGERS } = receiptColumns;
const FEE = integerColumn("fee");
const attributionHashAt = wordOffset("attributionHash");
const STEP_LITERALS = STEPS.map((s) => s.literal);
const STEP_KINDS = STEPS.map((s) => s.kind);
const RECEIPT_END = ascii('"}');
const ATTRIBUTION_START = ascii('","attribution":[');
const RECEIPTS_START = ascii('"receipts":[');
/** No receipt is shorter: its literals and hex digits, one digit per integer, its closing brace. */
const MIN_RECEIPT_BYTES =
  STEPS.reduce((n, s) => n + s.literal.length, 0) + RECEIPT_END.length + 64 * 7 + 40 + 130 + INTEGERS + 1;

// The header and settlement around the receipts, exactly as written: with the layout fixed, no key
// can repeat, so the text with the receipts left out parses to the same header as the whole file.
const HEADER_RE =
  /^\{"version":1,"chainId":"[0-9]+","ledger":"0x[0-9a-fA-F]{40}","relayer":"0x[0-9a-fA-F]{40}","batchId":"[0-9]+","epoch":"[0-9]+","root":"0x[0-9a-f]{64}","receipts":\[$/;
const CHARGE = '\\{"payer":"0x[0-9a-fA-F]{40}","amount":"[0-9]+"\\}';
const CREDIT = '\\{"operator":"0x[0-9a-fA-F]{40}","amount":"[0-9]+"\\}';
const SETTLEMENT_RE = new RegExp(
  `^\\],"settlement":\\{"charges":\\[(?:${CHARGE}(?:,${CHARGE})*)?\\],"credits":\\[(?:${CREDIT}(?:,${CREDIT})*)?\\]\\}\\}$`,
);

/** Hex digit values by character code: lower-case only (the canonical layout), -1 otherwise. */
const HEX = new Int8Array(256).fill(-1);
/** The same with upper case, for payers (checksummed addresses mix cases). */
const HEX_ANY_CASE = new Int8Array(256).fill(-1);
for (let d = 0; d < 16; d++) {
  HEX["0123456789abcdef".charCodeAt(d)] = d;
  HEX_ANY_CASE["0123456789abcdef".charCodeAt(d)] = d;
  HEX_ANY_CASE["0123456789ABCDEF".charCodeAt(d)] = d;
}
const QUOTE = 0x22;
const DIGIT_0 = 0x30;
const MAX_UINT64 = 2n ** 64n - 1n;
const MAX_UINT256 = 2n ** 256n - 1n;
const USER_KINDS: ReadonlySet<number> = new Set(Object.values(UserKind));
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A batch file read straight into the columns packReceipts would make from parseBatchFile's
 * receipts, when the file is written exactly as serializeBatchFile writes it and passes every check
 * parseBatchFile makes; else null, and the caller must run parseBatchFile, which accepts the same
 * files and names what is wrong. Written by hand because no JSON library parses into typed columns:
 * on a 10k-receipt file, JSON.parse and checking the parsed receipts (signedReceiptFromJsonFast)
 * measured ~150 ms before any packing, this whole reader ~60 ms (docs/benchmarks.md, rewards-epoch).
 */
export function readBatchFileColumns(bytes: Uint8Array): BatchFileColumns | null {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const first = text.indexOf(RECEIPTS_START);
  if (first < 0 || !HEADER_RE.test(text.toString("latin1", 0, first + RECEIPTS_START.length))) return null;

  const capacity = Math.floor(bytes.length / MIN_RECEIPT_BYTES);
  const words = new Uint8Array(ROW_BYTES * capacity);
  const hashes = new Uint8Array(32 * capacity);
  const integerIds = new Uint32Array(INTEGERS * capacity);
  const userKinds = new Uint8Array(capacity);
  const payerIds = new Uint32Array(capacity);
  const starts = new Uint32Array(capacity);
  const ends = new Uint32Array(capacity);
  const attributions = new Map<number, readonly AttributedEntry[]>();
  // Integers by their decimal text (canonical: one text per value), as a number while exact.
  const integerIdOf = new Map<number | string, number>();
  const integers: bigint[] = [];
  const fitsUint64: boolean[] = [];
  const payerIdOf = new Map<string, number>();
  const payers = new Interner<Address>();
  const feeTotals: bigint[] = [];

  const matches = (literal: Uint8Array, at: number): boolean => {
    if (at + literal.length > bytes.length) return false;
    for (let k = 0; k < literal.length; k++) if (bytes[at + k] !== literal[k]) return false;
    return true;
  };
  /** Decodes `2 * length` lower-case hex digits at `at` into `out`; false on any other character. */
  const hexInto = (at: number, length: number, out: Uint8Array | null, offset: number): boolean => {
    if (at + 2 * length > bytes.length) return false;
    for (let k = 0; k < length; k++) {
      const hi = HEX[bytes[at + 2 * k]!]!;
      const lo = HEX[bytes[at + 2 * k + 1]!]!;
      if ((hi | lo) < 0) return false;
      if (out !== null) out[offset + k] = (hi << 4) | lo;
    }
    return true;
  };
  /** The id of the decimal integer at `at` (ending at a quote), or -1 when it is not canonical or too big. */
  let end = 0;
  const integerAt = (at: number, maxDigits: number): number => {
    let value = 0;
    let i = at;
    while (i < bytes.length && bytes[i] !== QUOTE) {
      const digit = bytes[i]! - DIGIT_0;
      if (digit < 0 || digit > 9) return -1;
      value = value * 10 + digit;
      i++;
    }
    const digits = i - at;
    if (digits === 0 || digits > maxDigits || (digits > 1 && bytes[at] === DIGIT_0)) return -1;
    end = i;
    const key = digits <= 15 ? value : text.toString("latin1", at, i);
    let id = integerIdOf.get(key);
    if (id === undefined) {
      const exact = BigInt(key);
      if (exact > MAX_UINT256) return -1;
      id = integers.length;
      integers.push(exact);
      fitsUint64.push(exact <= MAX_UINT64);
      integerIdOf.set(key, id);
    }
    return id;
  };
  /** The payer id of the address at `at` (40 digits), or -1 unless checksummed or all lower case. */
  const payerAt = (at: number): number => {
    for (let k = 0; k < 40; k++) if (HEX_ANY_CASE[bytes[at + k] ?? 0]! < 0) return -1;
    const spelling = text.toString("latin1", at - 2, at + 40);
    let id = payerIdOf.get(spelling);
    if (id === undefined) {
      const checksum = getAddress(spelling);
      // What signedReceiptFromJsonFast accepts; the schema rejects other mixed cases.
      if (spelling !== checksum && spelling !== spelling.toLowerCase()) return -1;
      id = payers.id(checksum);
      payerIdOf.set(spelling, id);
    }
    return id;
  };

  let at = first + RECEIPTS_START.length;
  let row = 0;
  for (;;) {
    if (row === capacity) return null;
    starts[row] = at;
    let word = 0;
    let integer = 0;
    for (let step = 0; step < STEP_KINDS.length; step++) {
      const literal = STEP_LITERALS[step]!;
      const kind = STEP_KINDS[step]!;
      if (!matches(literal, at)) return null;
      at += literal.length;
      if (kind === "word" || kind === "hash") {
        const ok =
          kind === "word" ? hexInto(at, 32, words, row * ROW_BYTES + 32 * word++) : hexInto(at, 32, hashes, 32 * row);
        if (!ok) return null;
        at += 64;
      } else if (kind === "uint256" || kind === "uint64") {
        const id = integerAt(at, kind === "uint64" ? 20 : 78);
        if (id < 0 || (kind === "uint64" && !fitsUint64[id])) return null;
        integerIds[row * INTEGERS + integer++] = id;
        at = end;
      } else if (kind === "userKind") {
        const value = (bytes[at] ?? 0) - DIGIT_0;
        if (!USER_KINDS.has(value)) return null;
        userKinds[row] = value;
        at += 1;
      } else if (kind === "payer") {
        const id = payerAt(at);
        if (id < 0) return null;
        payerIds[row] = id;
        at += 40;
      } else {
        if (!hexInto(at, 65, null, 0)) return null;
        at += 130;
      }
    }
    // Fees are summed per payer for the settlement check.
    const fee = integers[integerIds[row * INTEGERS + FEE]!]!;
    if (fee !== 0n) feeTotals[payerIds[row]!] = (feeTotals[payerIds[row]!] ?? 0n) + fee;
    const attributionAt = attributionHashAt(row);
    if (matches(ATTRIBUTION_START, at)) {
      // Entry ids and content hashes hold no "]", so the first one closes the list (JSON.parse
      // fails on the slice otherwise).
      const open = at + ATTRIBUTION_START.length - 1;
      const close = text.indexOf("]", open);
      if (close < 0 || bytes[close + 1] !== 0x7d) return null;
      const list = attributionListAt(bytes, open, close + 1);
      if (list === null) return null;
      const filed = {
        hash: bytes32ToHex(hashes, 32 * row),
        receipt: { attributionHash: bytes32ToHex(words, attributionAt) },
        attribution: list,
      };
      if (attributionMismatch([filed]) !== null) return null;
      attributions.set(row, list);
      at = close + 2;
    } else {
      if (!matches(RECEIPT_END, at)) return null;
      // No list goes with the zero attributionHash only.
      for (let k = 0; k < 32; k++) if (words[attributionAt + k] !== 0) return null;
      at += RECEIPT_END.length;
    }
    ends[row++] = at;
    if (bytes[at] !== 0x2c) break;
    at++;
  }

  const settlementText = text.toString("latin1", at);
  if (!SETTLEMENT_RE.test(settlementText)) return null;
  const headerText = text.toString("latin1", 0, first + RECEIPTS_START.length);
  const header = batchFileHeaderFromJson(JSON.parse(`${headerText}0${settlementText}`));
  if (header === null) return null;
  const charges = payerCharges(
    feeTotals.flatMap((fee, id) => (fee === undefined ? [] : [{ payer: payers.values[id]!, fee }])),
  );
  if (settlementMismatch(charges, header.settlement) !== null) return null;

  const count = row;
  return {
    header,
    columns: {
      count,
      words: words.slice(0, ROW_BYTES * count),
      integerIds: integerIds.slice(0, INTEGERS * count),
      integers,
      userKinds: userKinds.slice(0, count),
      payerIds: payerIds.slice(0, count),
      payers: payers.values,
      attributions,
    },
    hashes: hashes.subarray(0, 32 * count),
    signedReceipt(r) {
      const receipt = signedReceiptFromJsonFast(JSON.parse(text.toString("latin1", starts[r]!, ends[r]!)));
      if (receipt === null) throw new Error(`receipt ${r} of a batch file read into columns no longer reads`);
      return receipt;
    },
  };
}

/** The attribution list in `bytes[from, to)` as signedReceiptFromJsonFast reads it, else null. */
function attributionListAt(bytes: Uint8Array, from: number, to: number): AttributedEntry[] | null {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes.subarray(from, to)));
  } catch {
    return null;
  }
  return attributionFromJsonFast(value);
}
