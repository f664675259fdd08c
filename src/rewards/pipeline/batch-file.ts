import { type Address, type Hex, getAddress } from "viem";
import { z } from "zod";
import type { InferenceReceipt, UserKind } from "../../protocol/receipt";

/** A receipt as a batch file carries it; `hash` is informational only (the pipeline recomputes it). */
export type BatchFileReceipt = { receipt: InferenceReceipt; signature: Hex };

export type ParsedBatchFile = {
  chainId: bigint;
  ledger: Address;
  relayer: Address;
  batchId: bigint;
  epoch: bigint;
  root: Hex;
  receipts: BatchFileReceipt[];
};

const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be 32-byte hex");
const uint = z.string().regex(/^(0|[1-9][0-9]{0,77})$/, "must be a decimal integer string");
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 20-byte hex address");

const receiptSchema = z.object({
  requestId: bytes32,
  modelId: uint,
  deploymentId: uint,
  communityId: uint,
  userId: bytes32,
  userKind: z.union([z.literal(0), z.literal(1), z.literal(2)]),
  inputHash: bytes32,
  outputHash: bytes32,
  timestamp: uint,
  epoch: uint,
  fee: uint,
  userAuth: bytes32,
  signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, "must be a 65-byte hex signature"),
});

/** docs/protocol.md "Batches"; the relayer writes it in src/relayer/services/batch-file.ts. */
const batchFileSchema = z.object({
  version: z.literal(1),
  chainId: uint,
  ledger: address,
  relayer: address,
  batchId: uint,
  epoch: uint,
  root: bytes32,
  receipts: z.array(receiptSchema).min(1),
});

const U64 = 2n ** 64n;

/** Parses batch file bytes; returns a one-sentence reason instead of throwing, since a bad file is data, not a bug. */
export function parseBatchFile(bytes: Uint8Array): { ok: true; file: ParsedBatchFile } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return { ok: false, reason: "not UTF-8 JSON" };
  }
  const parsed = batchFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `field ${issue?.path.join(".") ?? "?"} ${issue?.message ?? "is invalid"}` };
  }
  const f = parsed.data;
  const receipts: BatchFileReceipt[] = [];
  for (const r of f.receipts) {
    const timestamp = BigInt(r.timestamp);
    const epoch = BigInt(r.epoch);
    if (timestamp >= U64 || epoch >= U64) return { ok: false, reason: "a receipt timestamp or epoch exceeds uint64" };
    receipts.push({
      receipt: {
        requestId: r.requestId.toLowerCase() as Hex,
        modelId: BigInt(r.modelId),
        deploymentId: BigInt(r.deploymentId),
        communityId: BigInt(r.communityId),
        userId: r.userId.toLowerCase() as Hex,
        userKind: r.userKind as UserKind,
        inputHash: r.inputHash.toLowerCase() as Hex,
        outputHash: r.outputHash.toLowerCase() as Hex,
        timestamp,
        epoch,
        fee: BigInt(r.fee),
        userAuth: r.userAuth.toLowerCase() as Hex,
      },
      signature: r.signature.toLowerCase() as Hex,
    });
  }
  return {
    ok: true,
    file: {
      chainId: BigInt(f.chainId),
      ledger: getAddress(f.ledger),
      relayer: getAddress(f.relayer),
      batchId: BigInt(f.batchId),
      epoch: BigInt(f.epoch),
      root: f.root.toLowerCase() as Hex,
      receipts,
    },
  };
}
