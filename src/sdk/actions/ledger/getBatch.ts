import type { Address, Hex } from "viem";
import { hashBatchHeader } from "../../../protocol/batch-header";
import { usageLedgerAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import { KhoInputError, KhoLogReadError, KhoNotFoundError } from "../../errors";
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
  /** Unix seconds: the time of the block that committed it. */
  submittedAt: bigint;
  count: number;
  dataURI: string;
  /** `UsageLedger.batchCommitment`: the hash of (epoch, root, count, dataHash). */
  commitment: Hex;
};
export type GetBatchErrorType = KhoInputError | KhoNotFoundError | KhoLogReadError | ViemBaseError;

const MAX_UINT64 = 2n ** 64n - 1n;
const ZERO_HASH = `0x${"0".repeat(64)}`;

/**
 * A batch committed by `relayer`; batch ids are contiguous per relayer from 1. The ledger stores only the
 * hash of a batch's header, so the header is read from its `BatchSubmitted` event and checked against it.
 */
export async function getBatch(client: KhoClient, parameters: GetBatchParameters): Promise<GetBatchReturnType> {
  const relayer = toAddress(parameters.relayer, "relayer");
  const { batchId } = parameters;
  if (typeof batchId !== "bigint" || batchId < 1n || batchId > MAX_UINT64) {
    throw new KhoInputError(`batch id "${String(batchId)}" is not a positive 64-bit integer`);
  }
  const commitment = await read(client, {
    address: client.addresses.UsageLedger,
    abi: usageLedgerAbi,
    functionName: "batchCommitment",
    args: [relayer, batchId],
  });
  if (commitment === ZERO_HASH) {
    throw new KhoNotFoundError("batch", batchId, { message: `batch ${batchId} of relayer ${relayer} does not exist` });
  }
  let logs;
  try {
    logs = await client.public.getContractEvents({
      address: client.addresses.UsageLedger,
      abi: usageLedgerAbi,
      eventName: "BatchSubmitted",
      args: { relayer, batchId },
      fromBlock: client.deploymentBlock,
      strict: true,
    });
  } catch (cause) {
    throw new KhoLogReadError(`Cannot read the BatchSubmitted event of batch ${batchId} of relayer ${relayer}.`, {
      cause,
    });
  }
  // A batch id is committed once, so exactly one event carries the header the ledger hashed.
  const log = logs.find((l) => hashBatchHeader(l.args) === commitment);
  if (!log) {
    throw new KhoLogReadError(
      `The node returned no BatchSubmitted event matching batch ${batchId} of relayer ${relayer} (commitment ${commitment}).`,
    );
  }
  const block = await client.public.getBlock({ blockNumber: log.blockNumber });
  return {
    relayer,
    batchId,
    root: log.args.root,
    dataHash: log.args.dataHash,
    epoch: log.args.epoch,
    submittedAt: block.timestamp,
    count: log.args.count,
    dataURI: log.args.dataURI,
    commitment,
  };
}
