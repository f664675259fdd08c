import { type Address, type Hex, hexToBytes } from "viem";
import { bytes32ToHex } from "../../protocol/merkle";
import type { AttributedEntry } from "../../protocol/attribution";
import type { InferenceReceipt, UserKind } from "../../protocol/receipt";
import type { RewardReceipt } from "../core/types";

const WORD_FIELDS = ["requestId", "userId", "inputHash", "outputHash", "userAuth", "attributionHash"] as const;
const ROW_BYTES = 32 * WORD_FIELDS.length;

class Interner<T> {
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

/**
 * Accepted receipts of one epoch in columns (~220 bytes each instead of a ~1 KB object with
 * fourteen fields and four bigints), plus the attribution lists of those that cite entries. The calculator core takes a synchronous iterable while batch
 * files arrive asynchronously, so receipts must wait somewhere: they wait here and are turned
 * back into objects one at a time as the core streams them.
 */
export class ReceiptStore {
  private words = new Uint8Array(ROW_BYTES * 64);
  private ids = new Uint32Array(4 * 64);
  private payerIds = new Uint32Array(64);
  private kinds = new Uint8Array(64);
  private times = new Float64Array(64);
  private readonly bigints = new Interner<bigint>();
  private readonly payers = new Interner<Address>();
  /** By row, only for receipts that cite entries (most calls of a generic model cite none). */
  private readonly attributions = new Map<number, readonly AttributedEntry[]>();
  private count = 0;

  constructor(readonly epoch: bigint) {}

  get size(): number {
    return this.count;
  }

  private grow(): void {
    const capacity = this.kinds.length * 2;
    const words = new Uint8Array(ROW_BYTES * capacity);
    words.set(this.words);
    const ids = new Uint32Array(4 * capacity);
    ids.set(this.ids);
    const payerIds = new Uint32Array(capacity);
    payerIds.set(this.payerIds);
    const kinds = new Uint8Array(capacity);
    kinds.set(this.kinds);
    const times = new Float64Array(capacity);
    times.set(this.times);
    [this.words, this.ids, this.payerIds, this.kinds, this.times] = [words, ids, payerIds, kinds, times];
  }

  /** `attribution`: the batch file's list for the receipt, which parseBatchFile checked against its attributionHash. */
  add(receipt: InferenceReceipt, attribution?: readonly AttributedEntry[]): void {
    if (receipt.epoch !== this.epoch)
      throw new RangeError(`receipt of epoch ${receipt.epoch} added to the store of epoch ${this.epoch}`);
    if (receipt.timestamp > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError("receipt timestamp exceeds 2^53");
    if (this.count === this.kinds.length) this.grow();
    const row = this.count++;
    for (let k = 0; k < WORD_FIELDS.length; k++)
      this.words.set(hexToBytes(receipt[WORD_FIELDS[k]!]), row * ROW_BYTES + k * 32);
    this.ids[row * 4] = this.bigints.id(receipt.modelId);
    this.ids[row * 4 + 1] = this.bigints.id(receipt.deploymentId);
    this.ids[row * 4 + 2] = this.bigints.id(receipt.communityId);
    this.ids[row * 4 + 3] = this.bigints.id(receipt.fee);
    this.payerIds[row] = this.payers.id(receipt.payer);
    this.kinds[row] = receipt.userKind;
    this.times[row] = Number(receipt.timestamp);
    if (attribution !== undefined && attribution.length > 0) this.attributions.set(row, attribution);
  }

  private word(row: number, k: number): Hex {
    // A flat string: the core keys maps by these, and viem's 32-piece ropes had to be flattened first.
    return bytes32ToHex(this.words, row * ROW_BYTES + k * 32);
  }

  /** The attribution lists of the receipts that cite entries, without rebuilding every receipt. */
  attributionLists(): Iterable<readonly AttributedEntry[]> {
    return this.attributions.values();
  }

  /** Receipts in insertion order, each a fresh object the consumer may drop right away. */
  *receipts(): Generator<RewardReceipt> {
    const values = this.bigints.values;
    for (let row = 0; row < this.count; row++) {
      const attribution = this.attributions.get(row);
      yield {
        requestId: this.word(row, 0),
        modelId: values[this.ids[row * 4]!]!,
        deploymentId: values[this.ids[row * 4 + 1]!]!,
        communityId: values[this.ids[row * 4 + 2]!]!,
        userId: this.word(row, 1),
        userKind: this.kinds[row] as UserKind,
        inputHash: this.word(row, 2),
        outputHash: this.word(row, 3),
        timestamp: BigInt(this.times[row]!),
        epoch: this.epoch,
        fee: values[this.ids[row * 4 + 3]!]!,
        payer: this.payers.values[this.payerIds[row]!]!,
        userAuth: this.word(row, 4),
        attributionHash: this.word(row, 5),
        ...(attribution === undefined ? {} : { attribution }),
      };
    }
  }
}
