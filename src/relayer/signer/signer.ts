import { Worker } from "node:worker_threads";
import { type Address, type Hex, hexToBigInt, isHex, size } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type InferenceReceipt, type LedgerDomain, receiptDomainSeparator } from "../../protocol";
import { SIGN_WORKER_SOURCE } from "./worker-source";
import { KhoError } from "../../protocol/errors";

export type SignedReceiptParts = { hash: Hex; signature: Hex };

/** Hashes and signs receipts with the relayer key, off the event loop. */
export type ReceiptSigner = {
  readonly address: Address;
  readonly domain: LedgerDomain;
  signReceipts(receipts: readonly InferenceReceipt[]): Promise<SignedReceiptParts[]>;
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

type Pending = { resolve: (r: SignedReceiptParts[]) => void; reject: (e: Error) => void };
type Slot = { worker: Worker; inFlight: number; pending: Map<number, Pending> };

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
    viemAccountsPath: require.resolve("viem/accounts"),
    receiptDigestPath,
    // Only resolved when running from source: the compiled build must not need ts-node.
    tsNodeRegisterPath: receiptDigestPath.endsWith(".ts") ? require.resolve("ts-node/register/transpile-only") : null,
    domain: { chainId: params.domain.chainId, ledger: params.domain.ledger },
    privateKey: params.privateKey,
  };
  let nextId = 0;
  let closed = false;

  const slots: Slot[] = [];
  for (let i = 0; i < params.threads; i++) {
    const slot: Slot = {
      worker: new Worker(SIGN_WORKER_SOURCE, { eval: true, workerData }),
      inFlight: 0,
      pending: new Map(),
    };
    slot.worker.on("message", (msg: { id: number; results?: SignedReceiptParts[]; error?: string }) => {
      const p = slot.pending.get(msg.id);
      if (!p) return;
      slot.pending.delete(msg.id);
      slot.inFlight--;
      if (slot.pending.size === 0) slot.worker.unref();
      if (msg.results) p.resolve(msg.results);
      else p.reject(new SignerError(`receipt signing failed: ${msg.error ?? "unknown error"}`));
    });
    const failAll = (error: Error) => {
      for (const p of slot.pending.values()) p.reject(error);
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

  return {
    address: account.address,
    domain: params.domain,
    async signReceipts(receipts) {
      if (closed) throw new SignerError("the signer is closed");
      if (receipts.length === 0) return [];
      const slot = slots.reduce((best, s) => (s.inFlight < best.inFlight ? s : best), slots[0]!);
      const id = nextId++;
      slot.inFlight++;
      const results = await new Promise<SignedReceiptParts[]>((resolve, reject) => {
        if (slot.pending.size === 0) slot.worker.ref();
        slot.pending.set(id, { resolve, reject });
        slot.worker.postMessage({ id, receipts });
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
