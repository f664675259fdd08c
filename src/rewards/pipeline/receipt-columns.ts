import type { Address, Hex } from "viem";
import { receiptTypes } from "../../protocol/eip712";
import { bytes32ToHex } from "../../protocol/merkle";
import type { AttributedEntry } from "../../protocol/attribution";
import type { InferenceReceipt, UserKind } from "../../protocol/receipt";
import type { RewardReceipt } from "../core/types";

type ReceiptField = (typeof receiptTypes.InferenceReceipt)[number];
type FieldOfType<T extends ReceiptField["type"]> = Extract<ReceiptField, { type: T }>["name"];
type WordField = FieldOfType<"bytes32">;
type IntegerField = FieldOfType<"uint256" | "uint64">;

// The columns follow the protocol's field list (eip712.ts) by ABI type, so a field added there gets
// its column without a second list to keep in step; a field of a new type does not compile here.
const COLUMN_OF_TYPE = {
  bytes32: "word",
  uint256: "integer",
  uint64: "integer",
  uint8: "userKind",
  address: "payer",
} as const satisfies Record<ReceiptField["type"], string>;

/** The receipt fields in the protocol's order (the batch file's order too), each with its column. */
export const FIELDS = receiptTypes.InferenceReceipt.map((f) => ({ name: f.name, column: COLUMN_OF_TYPE[f.type] }));
const WORD_FIELDS = FIELDS.filter((f) => f.column === "word").map((f) => f.name as WordField);
const INTEGER_FIELDS = FIELDS.filter((f) => f.column === "integer").map((f) => f.name as IntegerField);
/** Bytes of `words` per row, and entries of `integerIds` per row. */
export const ROW_BYTES = 32 * WORD_FIELDS.length;
export const INTEGERS = INTEGER_FIELDS.length;

/**
 * The receipts of one batch in columns: each bytes32 field as bytes, each integer field as an index
 * into the batch's distinct values (a batch names few models, deployments, fees and epochs), payers
 * likewise: ~220 bytes a receipt instead of a ~1 KB object with four bigints. Made where a batch
 * file is parsed (a worker thread), it crosses to the main thread as a few typed arrays instead of
 * ten thousand objects, and the main thread reads its accepted rows in place (ColumnRow).
 */
export type ReceiptColumns = {
  count: number;
  words: Uint8Array;
  integerIds: Uint32Array;
  integers: bigint[];
  userKinds: Uint8Array;
  payerIds: Uint32Array;
  payers: Address[];
  /** By row, the batch file's attribution list of each receipt that cites entries (most cite none). */
  attributions: Map<number, readonly AttributedEntry[]>;
};

/** Ids in order of first appearance: the columns' `integers` and `payers`. */
export class Interner<T> {
  private readonly index = new Map<T, number>();
  readonly values: T[] = [];
  id(value: T): number {
    let i = this.index.get(value);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(value);
      this.index.set(value, i);
    }
    return i;
  }
}

/** Packs receipts whose fields are already checked (parseBatchFile); Buffer's native decoder writes the hex. */
export function packReceipts(
  receipts: readonly { receipt: InferenceReceipt; attribution?: readonly AttributedEntry[] }[],
): ReceiptColumns {
  const count = receipts.length;
  const words = Buffer.alloc(ROW_BYTES * count);
  const integerIds = new Uint32Array(INTEGERS * count);
  const userKinds = new Uint8Array(count);
  const payerIds = new Uint32Array(count);
  const integers = new Interner<bigint>();
  const payers = new Interner<Address>();
  const attributions = new Map<number, readonly AttributedEntry[]>();
  for (let row = 0; row < count; row++) {
    const { receipt, attribution } = receipts[row]!;
    if (attribution !== undefined && attribution.length > 0) attributions.set(row, attribution);
    for (let k = 0; k < WORD_FIELDS.length; k++)
      words.write(receipt[WORD_FIELDS[k]!].slice(2), row * ROW_BYTES + 32 * k, 32, "hex");
    for (let k = 0; k < INTEGERS; k++) integerIds[row * INTEGERS + k] = integers.id(receipt[INTEGER_FIELDS[k]!]);
    userKinds[row] = receipt.userKind;
    payerIds[row] = payers.id(receipt.payer);
  }
  return {
    count,
    words: new Uint8Array(words.buffer, words.byteOffset, words.byteLength),
    integerIds,
    integers: integers.values,
    userKinds,
    payerIds,
    payers: payers.values,
    attributions,
  };
}

/** Which of a row's `INTEGERS` entries in `integerIds` holds `field`. */
export function integerColumn(field: IntegerField): number {
  return INTEGER_FIELDS.indexOf(field);
}

/**
 * Reads one integer field of any row. Readers are made once per field, outside the loops over a
 * million rows: the field's column is found when the reader is made, not on every read.
 */
export function integerReader(field: IntegerField): (columns: ReceiptColumns, row: number) => bigint {
  const k = integerColumn(field);
  return (columns, row) => columns.integers[columns.integerIds[row * INTEGERS + k]!]!;
}

/** Where one bytes32 field of a row starts in `columns.words`. */
export function wordOffset(field: WordField): (row: number) => number {
  const k = WORD_FIELDS.indexOf(field);
  return (row) => row * ROW_BYTES + 32 * k;
}

const modelOf = integerReader("modelId");
const deploymentOf = integerReader("deploymentId");
const communityOf = integerReader("communityId");
const timestampOf = integerReader("timestamp");
const epochOf = integerReader("epoch");
const feeOf = integerReader("fee");
const requestIdAt = wordOffset("requestId");
const userIdAt = wordOffset("userId");
const inputHashAt = wordOffset("inputHash");
const outputHashAt = wordOffset("outputHash");
const userAuthAt = wordOffset("userAuth");
const attributionHashAt = wordOffset("attributionHash");

/**
 * One row of a batch's columns as a receipt, moved from row to row (`at`) instead of building an
 * object per receipt, for consumers that read a few fields of every accepted receipt and keep none
 * of the object (EpochUsage.add): a million objects with eight hex strings each were most of their
 * cost. The fields the reward core counts by are set on each move; the other bytes32 fields are
 * written as hex only when read. `implements` keeps it in step with the protocol's fields.
 */
export class ColumnRow implements RewardReceipt {
  modelId = 0n;
  deploymentId = 0n;
  timestamp = 0n;
  epoch = 0n;
  fee = 0n;
  payer: Address = "0x0000000000000000000000000000000000000000";
  userId: Hex = "0x";
  userKind: UserKind = 0;
  attribution: readonly AttributedEntry[] | undefined = undefined;
  private columns: ReceiptColumns = packReceipts([]);
  private row = 0;

  /** Moves to `row` of `columns` (the receipt object stays the same one). */
  at(columns: ReceiptColumns, row: number): this {
    this.columns = columns;
    this.row = row;
    this.modelId = modelOf(columns, row);
    this.deploymentId = deploymentOf(columns, row);
    this.timestamp = timestampOf(columns, row);
    this.epoch = epochOf(columns, row);
    this.fee = feeOf(columns, row);
    this.payer = columns.payers[columns.payerIds[row]!]!;
    this.userId = bytes32ToHex(columns.words, userIdAt(row));
    this.userKind = columns.userKinds[row] as UserKind;
    this.attribution = columns.attributions.get(row);
    return this;
  }

  get communityId(): bigint {
    return communityOf(this.columns, this.row);
  }
  get requestId(): Hex {
    return bytes32ToHex(this.columns.words, requestIdAt(this.row));
  }
  get inputHash(): Hex {
    return bytes32ToHex(this.columns.words, inputHashAt(this.row));
  }
  get outputHash(): Hex {
    return bytes32ToHex(this.columns.words, outputHashAt(this.row));
  }
  get userAuth(): Hex {
    return bytes32ToHex(this.columns.words, userAuthAt(this.row));
  }
  get attributionHash(): Hex {
    return bytes32ToHex(this.columns.words, attributionHashAt(this.row));
  }
}
