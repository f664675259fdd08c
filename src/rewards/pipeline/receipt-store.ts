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

  /** Keeps `rows` of a batch's columns, in that order. */
  addBatch(columns: ReceiptColumns, rows: readonly number[]): void {
    if (rows.length === 0) return;
    this.batches.push({ columns, rows: Uint32Array.from(rows) });
    this.count += rows.length;
  }

  /** The kept rows of each batch's columns, for readers that need a few fields of every receipt. */
  columnBatches(): readonly { readonly columns: ReceiptColumns; readonly rows: Uint32Array }[] {
    return this.batches;
  }

  /** The attribution lists of the receipts that cite entries, without rebuilding every receipt. */
  *attributionLists(): Generator<readonly AttributedEntry[]> {
    for (const { columns, rows } of this.batches) {
      for (const row of rows) {
        const attribution = columns.attributions.get(row);
        if (attribution !== undefined) yield attribution;
      }
    }
  }

  /** Receipts in insertion order, each a fresh object the consumer may drop right away. */
  *receipts(): Generator<RewardReceipt> {
    for (const { columns, rows } of this.batches) for (const row of rows) yield columnReceipt(columns, row);
  }
}
