import { Worker } from "node:worker_threads";
import type { CheckBatchFileParameters, CheckBatchFileReturnType } from "./batch-check";
import { RewardsPipelineError } from "./errors";

/**
 * Checks batch files (checkBatchFile: file hash, parsing, header, batch root) on worker threads, so
 * the main thread only filters and keeps receipts. Parsing and hashing cost ~16–21 µs of CPU per
 * receipt, the main thread's part ~2 µs: with a million receipts the work has to be spread.
 */
export type BatchCheckPool = {
  readonly threads: number;
  /**
   * Resolves with the check's result and the file's bytes; rejects with one sentence naming `label`
   * when the worker fails. The bytes are moved to the worker, not copied (`parameters.bytes` is
   * left empty when it spans its whole buffer, else its part is copied once) and come back with the
   * result; a rejection does not hand them back.
   */
  check(parameters: CheckBatchFileParameters, label: string): Promise<CheckedBatchFile>;
  close(): Promise<void>;
};

export type CheckedBatchFile = { result: CheckBatchFileReturnType; bytes: Uint8Array };

// Runs with `eval: true` so the same source works from TypeScript and from the compiled build; from
// source it registers ts-node first (as the relayer's signing workers do). Results are transferred:
// the columns' typed arrays and the file's bytes move to the main thread without a copy.
const WORKER_SOURCE = `
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
if (workerData.batchCheckPath.endsWith(".ts") && require.extensions[".ts"] === undefined) {
  require(workerData.tsNodeRegisterPath);
}
const { checkBatchFile } = require(workerData.batchCheckPath);
const { loadWasmKeccak } = require(workerData.wasmKeccakPath);
// Messages that arrive while WebAssembly compiles wait on the same promise, so they keep their order.
const keccak = loadWasmKeccak();
parentPort.on("message", (msg) => keccak.then(check.bind(null, msg), (error) => fail(msg, error)));
function fail(msg, error) {
  parentPort.postMessage({ id: msg.id, error: error instanceof Error ? error.message : String(error) });
}
function check(msg, hasher) {
  let result;
  try {
    result = checkBatchFile(msg.parameters, hasher);
  } catch (error) {
    fail(msg, error);
    return;
  }
  const bytes = msg.parameters.bytes;
  const transfer = result.ok
    ? [bytes.buffer, result.columns.words.buffer, result.columns.integerIds.buffer, result.columns.userKinds.buffer, result.columns.payerIds.buffer]
    : [bytes.buffer];
  parentPort.postMessage({ id: msg.id, result, bytes }, transfer);
}
`;

type Pending = { resolve: (r: CheckedBatchFile) => void; reject: (e: Error) => void; label: string };
type Slot = {
  worker: Worker;
  pending: Map<number, Pending>;
  failAll: (reason: string, cause?: unknown) => void;
  /** Why the worker can take no more work (it crashed or exited), else null. */
  dead: string | null;
};
type WorkerMessage = { id: number; result?: CheckBatchFileReturnType; bytes?: Uint8Array; error?: string };

/** Whether moving the bytes' buffer moves them and nothing else (a Buffer may be a slice of a shared pool). */
function spansItsBuffer(bytes: Uint8Array): bytes is Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
}

/**
 * The bytes to move to a worker. No bytes may be bytes already moved, which postMessage would drop
 * without a word (and slice() throws on): a new empty array goes instead, and its check answers
 * that the empty file is not the batch's.
 */
function movable(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  if (bytes.byteLength === 0) return new Uint8Array(0);
  return spansItsBuffer(bytes) ? bytes : bytes.slice();
}

const sentence = (text: string) => text.trim().replace(/[.\s]+$/, "");

export function createBatchCheckPool(threads: number): BatchCheckPool {
  if (!Number.isInteger(threads) || threads < 1)
    throw new RewardsPipelineError(`Thread count ${threads} must be a positive integer.`);
  const batchCheckPath = require.resolve("./batch-check");
  const workerData = {
    batchCheckPath,
    wasmKeccakPath: require.resolve("../../protocol/wasm-keccak"),
    // Only resolved when running from source: the compiled build must not need ts-node.
    tsNodeRegisterPath: batchCheckPath.endsWith(".ts") ? require.resolve("ts-node/register/transpile-only") : null,
  };
  let nextId = 0;
  let closed = false;
  const slots: Slot[] = [];
  for (let i = 0; i < threads; i++) {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
    const pending = new Map<number, Pending>();
    const failAll = (reason: string, cause?: unknown) => {
      slot.dead = reason;
      for (const p of pending.values())
        p.reject(new RewardsPipelineError(`Checking ${p.label} failed: ${reason}.`, { cause }));
      pending.clear();
      worker.unref();
    };
    const slot: Slot = { worker, pending, failAll, dead: null };
    slot.worker.on("message", (msg: WorkerMessage) => {
      const p = slot.pending.get(msg.id);
      if (!p) return;
      slot.pending.delete(msg.id);
      if (slot.pending.size === 0) slot.worker.unref();
      if (msg.result && msg.bytes) p.resolve({ result: msg.result, bytes: msg.bytes });
      else
        p.reject(new RewardsPipelineError(`Checking ${p.label} failed: ${sentence(msg.error ?? "no reason given")}.`));
    });
    slot.worker.on("error", (error) =>
      failAll(`its worker thread crashed (${sentence(error instanceof Error ? error.message : String(error))})`, error),
    );
    slot.worker.on("exit", (code) => {
      if (!closed) failAll(`its worker thread exited with code ${code}`);
    });
    // Idle workers must not keep the process alive; busy ones must (a one-shot process awaiting a
    // check would otherwise exit under it).
    slot.worker.unref();
    slots.push(slot);
  }

  return {
    threads,
    check(parameters, label) {
      if (closed)
        return Promise.reject(new RewardsPipelineError(`Cannot check ${label}: the batch check pool is closed.`));
      const live = slots.filter((s) => s.dead === null);
      if (live.length === 0)
        return Promise.reject(new RewardsPipelineError(`Checking ${label} failed: ${slots[0]!.dead ?? "no worker"}.`));
      // The least busy worker: batch files are about the same size, so pending count is a fair measure.
      const slot = live.reduce((best, s) => (s.pending.size < best.pending.size ? s : best), live[0]!);
      return new Promise((resolve, reject) => {
        const id = nextId++;
        if (slot.pending.size === 0) slot.worker.ref();
        slot.pending.set(id, { resolve, reject, label });
        // Cloning a file's bytes cost the main thread ~20 ms a batch file (~2 s of a million-receipt epoch).
        const moved = movable(parameters.bytes);
        slot.worker.postMessage({ id, parameters: { ...parameters, bytes: moved } }, [moved.buffer]);
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const slot of slots) slot.failAll("the batch check pool was closed first");
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
