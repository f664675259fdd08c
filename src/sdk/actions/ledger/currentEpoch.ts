import type { BaseError as ViemBaseError } from "viem";
import { usageLedgerAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import { read } from "../../transact";

export type CurrentEpochReturnType = bigint;
export type CurrentEpochErrorType = ViemBaseError;

/** The ledger's epoch of the latest block. */
export async function currentEpoch(client: KhoClient): Promise<CurrentEpochReturnType> {
  return read(client, {
    address: client.addresses.UsageLedger,
    abi: usageLedgerAbi,
    functionName: "currentEpoch",
    args: [],
  });
}
