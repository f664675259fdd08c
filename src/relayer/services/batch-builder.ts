import { Worker } from "node:worker_threads";
import type { Hex } from "viem";
import { KhoError } from "../../protocol/errors";
import type { BatchSettlement } from "../../protocol";
import type { BuildBatchParameters } from "./batch-file";

/** What sealing needs of a built batch: the root to commit, the file bytes and their dataHash. */
export type BuiltBatchFile = { root: Hex; bytes: Uint8Array; dataHash: Hex };

/** Builds batch files and reads their settlement; the Batcher's view of createBatchBuilder. */
export type BatchFiles = {
  build(params: BuildBatchParameters): Promise<BuiltBatchFile>;
  settlement(bytes: Uint8Array): Promise<BatchSettlement>;
};

/**
 * Builds batch files (tree, serialization, the format check, keccak of the file) and parses a
 * stored file's settlement in a worker thread. On the event loop a 256-receipt batch blocked every
 * request for tens of milliseconds (the relayer-throughput bench's profile, docs/benchmarks.md); in
 * the worker it costs the loop one structured clone each way.
 */
export type BatchBuilder = BatchFiles & { close(): Promise<void> };

export class BatchBuilderError extends KhoError {
  override readonly name = "BatchBuilderError";
  readonly code = "batch_build_failed";
}

const BUILD_WORKER_SOURCE = `
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
if (workerData.batchFilePath.endsWith(".ts") && require.extensions[".ts"] === undefined) {
  require(workerData.tsNodeRegisterPath);
}
const { buildBatch, batchFileSettlement } = require(workerData.batchFilePath);
const { loadWasmKeccak } = require(workerData.wasmKeccakPath);
// Messages that arrive while WebAssembly compiles wait on the same promise, so they keep their order.
// (The signing worker needs WebAssembly too: a relayer without it signs no receipts to batch.)
const keccak = loadWasmKeccak();
parentPort.on("message", (msg) => keccak.then(answer.bind(null, msg), (error) => fail(msg.id, error)));
function fail(id, error) {
  parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
}
function answer({ id, params, file }, hasher) {
  try {
    if (file !== undefined) {
      parentPort.postMessage({ id, settlement: batchFileSettlement(file) });
      return;
    }
    const { root, bytes, dataHash } = buildBatch(params, hasher);
    parentPort.postMessage({ id, built: { root, bytes, dataHash } }, [bytes.buffer]);
  } catch (error) {
    fail(id, error);
  }
}
`;

type Result = { built: BuiltBatchFile } | { settlement: BatchSettlement };
type Answer = { id: number } & (Result | { error: string });
type Pending = { resolve: (result: Result) => void; reject: (error: Error) => void };

export function createBatchBuilder(): BatchBuilder {
  const batchFilePath = require.resolve("./batch-file");
  const workerData = {
    batchFilePath,
    wasmKeccakPath: require.resolve("../../protocol/wasm-keccak"),
    // Only resolved when running from source: the compiled build must not need ts-node.
    tsNodeRegisterPath: batchFilePath.endsWith(".ts") ? require.resolve("ts-node/register/transpile-only") : null,
  };
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let worker: Worker | null = null;
  let closed = false;

  const failAll = (error: Error) => {
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  const start = (): Worker => {
    const w = new Worker(BUILD_WORKER_SOURCE, { eval: true, workerData });
    // Idle, it must not keep the process alive; while a build is pending it does (see build).
    w.unref();
    w.on("message", (answer: Answer) => {
      const p = pending.get(answer.id);
      if (!p) return;
      pending.delete(answer.id);
      if (pending.size === 0) w.unref();
      if ("error" in answer)
        p.reject(
          new BatchBuilderError(`The batch builder thread could not build or read the batch file: ${answer.error}`),
        );
      else p.resolve(answer);
    });
    w.once("error", (error) => {
      worker = null;
      failAll(new BatchBuilderError("The batch builder thread failed.", { cause: error }));
    });
    w.once("exit", (code) => {
      if (worker === w) worker = null;
      if (!closed) failAll(new BatchBuilderError(`The batch builder thread exited with code ${code}.`));
    });
    return w;
  };

  // Started now, not at the first seal: loading the batch code (and, from source, ts-node) takes
  // seconds on a busy machine, and the first batch should not wait for it.
  worker = start();

  const ask = (message: { params: BuildBatchParameters } | { file: Uint8Array }): Promise<Result> => {
    if (closed) return Promise.reject(new BatchBuilderError("The batch builder is closed."));
    worker ??= start();
    const id = nextId++;
    worker.ref();
    return new Promise<Result>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker!.postMessage({ id, ...message });
    });
  };

  return {
    async build(params) {
      const result = await ask({ params });
      if (!("built" in result)) throw new BatchBuilderError("The batch builder answered a build with something else.");
      return result.built;
    },
    async settlement(file) {
      const result = await ask({ file });
      if (!("settlement" in result)) {
        throw new BatchBuilderError("The batch builder answered a settlement with something else.");
      }
      return result.settlement;
    },
    async close() {
      closed = true;
      const w = worker;
      worker = null;
      failAll(new BatchBuilderError("The batch builder was closed before the batch was built."));
      if (w) await w.terminate();
    },
  };
}
