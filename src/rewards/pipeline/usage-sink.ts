import type { EpochUsage } from "../core";
import { ColumnRow, type ReceiptColumns } from "./receipt-columns";

/**
 * collectEpochReceipts' `accept` that counts each accepted row into `usage` as its batch comes in,
 * reading the row in place (EpochUsage keeps none of the receipt object).
 */
export function addToUsage(usage: EpochUsage): (columns: ReceiptColumns, rows: readonly number[]) => void {
  const receipt = new ColumnRow();
  return (columns, rows) => {
    for (const row of rows) usage.add(receipt.at(columns, row));
  };
}
