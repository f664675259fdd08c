import { type ReceiptColumns, columnReceipt } from "./receipt-columns";
import type { AttributedEntry } from "../../protocol/attribution";
import type { RewardReceipt } from "../core/types";

/**
 * Accepted receipts of one epoch, kept as their batches' columns (ReceiptColumns, ~220 bytes a
 * receipt instead of a ~1 KB object, and the attribution lists of those that cite entries) with the
 * rows that were accepted. The calculator core takes a synchronous iterable while batch files arrive asynchronously, so receipts must wait somewhere:
 * they wait here and are turned back into objects one at a time as the core streams them.
 */
export class ReceiptStore {
  private readonly batches: { columns: ReceiptColumns; rows: Uint32Array }[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Keeps `rows` (ascending, as a batch is filtered) of a batch's columns. */
  addBatch(columns: ReceiptColumns, rows: readonly number[]): void {
    if (rows.length === 0) return;
    for (let i = 1; i < rows.length; i++)
      if (rows[i]! <= rows[i - 1]!) throw new RangeError("ReceiptStore.addBatch takes rows in ascending order.");
    this.batches.push({ columns, rows: Uint32Array.from(rows) });
    this.count += rows.length;
  }

  /** The kept rows of each batch's columns, for readers that need a few fields of every receipt. */
  columnBatches(): readonly { readonly columns: ReceiptColumns; readonly rows: Uint32Array }[] {
    return this.batches;
  }

  /**
   * The attribution lists of the kept receipts that cite entries, in insertion order. Few receipts
   * cite, so each batch's list map is walked and its rows looked up among the kept ones (both are in
   * ascending row order), instead of every kept row being looked up in the map.
   */
  *attributionLists(): Generator<readonly AttributedEntry[]> {
    for (const { columns, rows } of this.batches) {
      for (const [row, attribution] of columns.attributions) if (isKept(rows, row)) yield attribution;
    }
  }

  /** Receipts in insertion order, each a fresh object the consumer may drop right away. */
  *receipts(): Generator<RewardReceipt> {
    for (const { columns, rows } of this.batches) for (const row of rows) yield columnReceipt(columns, row);
  }
}

/** Whether ascending `rows` holds `row` (binary search). */
function isKept(rows: Uint32Array, row: number): boolean {
  let low = 0;
  let high = rows.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const value = rows[middle]!;
    if (value === row) return true;
    if (value < row) low = middle + 1;
    else high = middle - 1;
  }
  return false;
}
