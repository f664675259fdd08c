import { type Hex, encodeAbiParameters, keccak256 } from "viem";

/**
 * What UsageLedger commits to for one batch (IUsageLedger.BatchHeader): the chain stores only its hash
 * (`batchCommitment(relayer, batchId)`); the fields are in the `BatchSubmitted` event and the batch file.
 */
export type BatchHeader = { epoch: bigint; root: Hex; count: number; dataHash: Hex };

const BATCH_HEADER_ABI = [{ type: "uint64" }, { type: "bytes32" }, { type: "uint32" }, { type: "bytes32" }] as const;

/** `keccak256(abi.encode(header))`, equal to UsageLedger.hashBatchHeader (test/contracts/ProtocolParity). */
export function hashBatchHeader(header: BatchHeader): Hex {
  return keccak256(encodeAbiParameters(BATCH_HEADER_ABI, [header.epoch, header.root, header.count, header.dataHash]));
}
