import type { UserKind } from "../../../src/protocol/receipt";
import { bytes32ToHex } from "../../../src/protocol/merkle";
import type { RewardReceipt } from "../../../src/rewards/core";
import { FIELDS, INTEGERS, ROW_BYTES, type ReceiptColumns } from "../../../src/rewards/pipeline/receipt-columns";

/**
 * A row as a receipt object, every field in the protocol's order, read straight from the columns by
 * the field list (independently of ColumnRow, which the pipeline uses): what tests compare with.
 */
export function columnReceipt(columns: ReceiptColumns, row: number): RewardReceipt {
  const receipt: Record<string, unknown> = {};
  let word = 0;
  let integer = 0;
  for (const { name, column } of FIELDS) {
    if (column === "word") receipt[name] = bytes32ToHex(columns.words, row * ROW_BYTES + 32 * word++);
    else if (column === "integer") receipt[name] = columns.integers[columns.integerIds[row * INTEGERS + integer++]!];
    else if (column === "userKind") receipt[name] = columns.userKinds[row] as UserKind;
    else receipt[name] = columns.payers[columns.payerIds[row]!];
  }
  const attribution = columns.attributions.get(row);
  if (attribution !== undefined) receipt.attribution = attribution;
  return receipt as RewardReceipt;
}
