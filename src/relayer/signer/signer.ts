import { Worker } from "node:worker_threads";
import { type Address, type Hex, hexToBigInt, isHex, size } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type InferenceReceipt, type LedgerDomain, receiptDomainSeparator } from "../../protocol";
import { SIGN_WORKER_SOURCE } from "./worker-source";
import { KhoError } from "../../protocol/errors";

/** A hash the worker computes: keccak256 of this canonical JSON text (what canonicalJsonHash hashes). */
export type HashPreimage = { canonicalJson: string };

/** A receipt to sign; its inputHash and outputHash may be left to the signing worker to compute. */
export type ReceiptToSign = Omit<InferenceReceipt, "inputHash" | "outputHash"> & {
  inputHash: Hex | HashPreimage;
  outputHash: Hex | HashPreimage;
};

/** The receipt's EIP-712 hash and signature, and the input and output hashes it was signed with. */
export type SignedReceiptParts = { hash: Hex; signature: Hex; inputHash: Hex; outputHash: Hex };

/** Hashes and signs receipts with the relayer key, off the event loop. */
export type ReceiptSigner = {
  readonly address: Address;
  readonly domain: LedgerDomain;
  signReceipts(receipts: readonly ReceiptToSign[]): Promise<SignedReceiptParts[]>;
  close(): Promise<void>;
};

export type CreateReceiptSignerParameters = {
  privateKey: Hex;
  domain: LedgerDomain;
  /** Worker threads; signing is CPU-bound, so more than the core count only adds contention. */
  threads: number;
};

export class SignerError extends KhoError {
  override readonly name = "SignerError";
  readonly code = "signer_failed";
}

type Request = {
  receipts: readonly ReceiptToSign[];
  resolve: (r: SignedReceiptParts[]) => void;
  reject: (e: Error) => void;
};
type Slot = { worker: Worker; inFlight: number; pending: Map<number, Request[]> };
type WorkerResult = SignedReceiptParts | { error: string };

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

function assertLowS(signature: Hex): void {
  if (!isHex(signature) || size(signature) !== 65) throw new SignerError("signer produced a malformed signature");
  const s = hexToBigInt(`0x${signature.slice(66, 130)}`);
  if (s > SECP256K1_N / 2n) throw new SignerError("signer produced a high-s signature");
}

export function createReceiptSigner(params: CreateReceiptSignerParameters): ReceiptSigner {
  if (!Number.isInteger(params.threads) || params.threads < 1)
    throw new SignerError("signer needs at least one thread");
  const account = privateKeyToAccount(params.privateKey);
  try {
    // Fail here, not on every signing call inside the workers.
    receiptDomainSeparator(params.domain);
  } catch (error) {
    throw new SignerError("signer domain is invalid", { cause: error });
  }
  const receiptDigestPath = require.resolve("../../protocol/receipt-digest");
  const workerData = {
    viemPath: require.resolve("viem"),
    secp256k1Path: require.resolve("tiny-secp256k1"),
    keccakPath: require.resolve("../../protocol/keccak"),
    receiptDigestPath,
    // Only resolved when running from source: the compiled build must not need ts-node.
    tsNodeRegisterPath: receiptDigestPath.endsWith(".ts") ? require.resolve("ts-node/register/transpile-only") : null,
    domain: { chainId: params.domain.chainId, ledger: params.domain.ledger },
    privateKey: params.privateKey,
  };
  let nextId = 0;
  let closed = false;
  // Calls made in one event-loop turn go to the workers together: one message per worker per turn
  // instead of one per call (posting and cloning a message costs the event loop more than a receipt).
  let queue: Request[] = [];
  let scheduled: NodeJS.Immediate | null = null;

  const settle = (slot: Slot, id: number, msg: { results?: WorkerResult[]; error?: string }) => {
    const requests = slot.pending.get(id);
    if (!requests) return;
    slot.pending.delete(id);
    if (slot.pending.size === 0) slot.worker.unref();
    let offset = 0;
    for (const request of requests) {
      slot.inFlight -= request.receipts.length;
      const results = msg.results?.slice(offset, offset + request.receipts.length);
      offset += request.receipts.length;
      const failed = results?.find((r): r is { error: string } => "error" in r);
      if (results && !failed) request.resolve(results as SignedReceiptParts[]);
      else request.reject(new SignerError(`receipt signing failed: ${failed?.error ?? msg.error ?? "unknown error"}`));
    }
  };

  const slots: Slot[] = [];
  for (let i = 0; i < params.threads; i++) {
    const slot: Slot = {
      worker: new Worker(SIGN_WORKER_SOURCE, { eval: true, workerData }),
      inFlight: 0,
      pending: new Map(),
    };
    slot.worker.on("message", (msg: { id: number; results?: WorkerResult[]; error?: string }) =>
      settle(slot, msg.id, msg),
    );
    const failAll = (error: Error) => {
      for (const requests of slot.pending.values()) for (const request of requests) request.reject(error);
      slot.pending.clear();
      slot.worker.unref();
      slot.inFlight = 0;
    };
    slot.worker.on("error", (error) => failAll(new SignerError("signing worker crashed", { cause: error })));
    slot.worker.on("exit", (code) => {
      if (!closed) failAll(new SignerError(`signing worker exited with code ${code}`));
    });
    // Idle workers must not keep the process alive; busy ones must (a caller awaiting only a
    // signature would otherwise see the process exit under it).
    slot.worker.unref();
    slots.push(slot);
  }

  /** Hands this turn's calls to the workers, each call to the one with the fewest receipts in flight. */
  const flush = () => {
    scheduled = null;
    const requests = queue;
    queue = [];
    if (closed) {
      for (const request of requests) request.reject(new SignerError("the signer is closed"));
      return;
    }
    const bySlot = new Map<Slot, Request[]>();
    for (const request of requests) {
      const slot = slots.reduce((best, s) => (s.inFlight < best.inFlight ? s : best), slots[0]!);
      slot.inFlight += request.receipts.length;
      bySlot.set(slot, [...(bySlot.get(slot) ?? []), request]);
    }
    for (const [slot, assigned] of bySlot) {
      const id = nextId++;
      if (slot.pending.size === 0) slot.worker.ref();
      slot.pending.set(id, assigned);
      slot.worker.postMessage({ id, receipts: assigned.flatMap((request) => request.receipts) });
    }
  };

  return {
    address: account.address,
    domain: params.domain,
    async signReceipts(receipts) {
      if (closed) throw new SignerError("the signer is closed");
      if (receipts.length === 0) return [];
      const results = await new Promise<SignedReceiptParts[]>((resolve, reject) => {
        queue.push({ receipts, resolve, reject });
        scheduled ??= setImmediate(flush);
      });
      if (results.length !== receipts.length) throw new SignerError("signer returned the wrong number of signatures");
      for (const r of results) assertLowS(r.signature);
      return results;
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
