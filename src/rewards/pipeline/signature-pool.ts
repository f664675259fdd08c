import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { type Address, type Hex, hexToBigInt } from "viem";
import { RewardsPipelineError } from "./errors";

/**
 * Recovers receipt signers on worker threads. ECDSA recovery costs ~2 ms per signature in
 * JavaScript and ~0.1 ms with libsecp256k1; in sampled verification (docs/rewards.md, "Receipt
 * verification") the pipeline recovers a few signatures per batch, in full verification all.
 */
export type SignaturePool = {
  /** Recovered signer per item, or null when the signature is malformed, high-s or unrecoverable. */
  recover(items: readonly { hash: Hex; signature: Hex }[]): Promise<(Address | null)[]>;
  close(): Promise<void>;
};

export type CreateSignaturePoolParameters = {
  /** Worker threads (default: the machine's available parallelism, at most 8). */
  threads?: number;
  /** Recover with libsecp256k1 (default) or with viem alone (the reference the tests compare with). */
  curve?: "secp256k1" | "viem";
};

// libsecp256k1 through the secp256k1 package (prebuilt addon shipped in the npm package; the
// package itself falls back to JavaScript where the addon cannot load) recovers ~20× faster than
// viem's pure-JS curve; the same signer comes out either way (signature-pool.test.ts).
const WORKER_SOURCE = `
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const viem = require(workerData.viemPath);
let recover = (hash, signature) => viem.recoverAddress({ hash, signature });
if (workerData.secp256k1Path) {
  const secp256k1 = require(workerData.secp256k1Path);
  recover = async (hash, signature) => {
    const compact = Buffer.from(signature.slice(2, 130), "hex");
    const recid = Number.parseInt(signature.slice(130, 132), 16) - 27;
    const publicKey = secp256k1.ecdsaRecover(compact, recid, Buffer.from(hash.slice(2), "hex"), false);
    return viem.getAddress("0x" + viem.keccak256(publicKey.subarray(1)).slice(-40));
  };
}
parentPort.on("message", async (msg) => {
  const results = [];
  for (const [hash, signature] of msg.items) {
    try {
      results.push(await recover(hash, signature));
    } catch {
      results.push(null);
    }
  }
  parentPort.postMessage({ id: msg.id, results });
});
`;

const SECP256K1_HALF_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n / 2n;
const CHUNK = 256;

/** OpenZeppelin's ECDSA (and so the protocol) accepts only 65-byte, low-s, v ∈ {27, 28} signatures. */
export function isCanonicalSignature(signature: Hex): boolean {
  if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) return false;
  const s = hexToBigInt(`0x${signature.slice(66, 130)}`);
  const v = Number.parseInt(signature.slice(130, 132), 16);
  return s <= SECP256K1_HALF_N && (v === 27 || v === 28);
}

export function defaultThreads(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

export function createSignaturePool(parameters: CreateSignaturePoolParameters = {}): SignaturePool {
  const threads = parameters.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1)
    throw new RewardsPipelineError(`Thread count ${threads} must be a positive integer.`);
  type Pending = { resolve: (r: (Address | null)[]) => void; reject: (e: Error) => void };
  type Slot = { worker: Worker; pending: Map<number, Pending> };
  const workerData = {
    viemPath: require.resolve("viem"),
    secp256k1Path: parameters.curve === "viem" ? null : require.resolve("secp256k1"),
  };
  let nextId = 0;
  let closed = false;
  const slots: Slot[] = [];
  for (let i = 0; i < threads; i++) {
    const slot: Slot = { worker: new Worker(WORKER_SOURCE, { eval: true, workerData }), pending: new Map() };
    slot.worker.on("message", (msg: { id: number; results: (Address | null)[] }) => {
      const p = slot.pending.get(msg.id);
      slot.pending.delete(msg.id);
      if (slot.pending.size === 0) slot.worker.unref();
      p?.resolve(msg.results);
    });
    const failAll = (error: Error) => {
      for (const p of slot.pending.values()) p.reject(error);
      slot.pending.clear();
      slot.worker.unref();
    };
    slot.worker.on("error", (cause) => failAll(new RewardsPipelineError("A signature worker crashed.", { cause })));
    slot.worker.on("exit", (code) => {
      if (!closed) failAll(new RewardsPipelineError(`A signature worker exited with code ${code}.`));
    });
    // Idle workers must not keep the process alive; busy ones must (see run()).
    slot.worker.unref();
    slots.push(slot);
  }

  const run = (slot: Slot, items: [Hex, Hex][]): Promise<(Address | null)[]> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      if (slot.pending.size === 0) slot.worker.ref();
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ id, items });
    });

  return {
    async recover(items) {
      if (closed) throw new RewardsPipelineError("The signature pool is closed.");
      const results: (Address | null)[] = new Array<Address | null>(items.length).fill(null);
      const jobs: Promise<void>[] = [];
      for (let start = 0, n = 0; start < items.length; start += CHUNK, n++) {
        const indexes: number[] = [];
        const work: [Hex, Hex][] = [];
        for (let i = start; i < Math.min(items.length, start + CHUNK); i++) {
          // Malleable or malformed signatures are rejected here, as the contract would.
          if (!isCanonicalSignature(items[i]!.signature)) continue;
          indexes.push(i);
          work.push([items[i]!.hash, items[i]!.signature]);
        }
        if (work.length === 0) continue;
        const slot = slots[n % slots.length]!;
        jobs.push(
          run(slot, work).then((recovered) => {
            recovered.forEach((address, k) => {
              results[indexes[k]!] = address;
            });
          }),
        );
      }
      await Promise.all(jobs);
      return results;
    },
    async close() {
      closed = true;
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
