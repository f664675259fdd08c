import type { Address, Hex } from "viem";
import { usageLedgerAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import { KhoInputError, KhoNotFoundError } from "../../errors";
import { read } from "../../transact";
import { toAddress } from "../../validate";
import type { BaseError as ViemBaseError } from "viem";

export type GetBatchParameters = { relayer: string; batchId: bigint };
export type GetBatchReturnType = {
  relayer: Address;
  batchId: bigint;
  root: Hex;
  dataHash: Hex;
  epoch: bigint;
  /** Unix seconds. */
  submittedAt: bigint;
  count: number;
};
export type GetBatchErrorType = KhoInputError | KhoNotFoundError | ViemBaseError;

const MAX_UINT64 = 2n ** 64n - 1n;

/** A batch committed by `relayer`; batch ids are contiguous per relayer from 1. */
export async function getBatch(client: KhoClient, parameters: GetBatchParameters): Promise<GetBatchReturnType> {
  const relayer = toAddress(parameters.relayer, "relayer");
  const { batchId } = parameters;
  if (typeof batchId !== "bigint" || batchId < 1n || batchId > MAX_UINT64) {
    throw new KhoInputError(`batch id "${String(batchId)}" is not a positive 64-bit integer`);
  }
  const b = await read(client, {
    address: client.addresses.UsageLedger,
    abi: usageLedgerAbi,
    functionName: "getBatch",
    args: [relayer, batchId],
  });
  // The ledger returns an all-zero struct for unknown batches; a real root is never zero.
  if (/^0x0{64}$/.test(b.root)) {
    throw new KhoNotFoundError("batch", batchId, { message: `batch ${batchId} of relayer ${relayer} does not exist` });
  }
  return {
    relayer,
    batchId,
    root: b.root,
    dataHash: b.dataHash,
    epoch: BigInt(b.epoch),
    submittedAt: BigInt(b.submittedAt),
    count: b.count,
  };
}
