import type { BaseError as ViemBaseError } from "viem";
import { usageLedgerAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import { read } from "../../transact";

export type GetEpochClockReturnType = {
  /** Unix seconds at which epoch 0 starts. */
  genesis: bigint;
  /** Seconds per epoch. */
  length: bigint;
  /** Seconds after an epoch ends during which its batches are still accepted. */
  batchGracePeriod: bigint;
};
export type GetEpochClockErrorType = ViemBaseError;

/** The ledger's immutable epoch clock; `{ genesis, length }` is a protocol `EpochClock`. */
export async function getEpochClock(client: KhoClient): Promise<GetEpochClockReturnType> {
  const common = { address: client.addresses.UsageLedger, abi: usageLedgerAbi, args: [] } as const;
  const [genesis, length, batchGracePeriod] = await Promise.all([
    read(client, { ...common, functionName: "genesis" }),
    read(client, { ...common, functionName: "epochLength" }),
    read(client, { ...common, functionName: "batchGracePeriod" }),
  ]);
  return { genesis, length, batchGracePeriod };
}
