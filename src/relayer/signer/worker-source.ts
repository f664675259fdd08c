/**
 * Source of a signing worker (run with `eval: true`, so the same code works from ts and from the
 * compiled build). It gets viem's module paths and the key through workerData, and answers
 * `{ id, receipts }` messages with `{ id, results }` or `{ id, error }`.
 */
export const SIGN_WORKER_SOURCE = `
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const { hashTypedData } = require(workerData.viemPath);
const { sign } = require(workerData.viemAccountsPath);
const { domain, types, privateKey } = workerData;

parentPort.on("message", async (msg) => {
  try {
    const results = [];
    for (const receipt of msg.receipts) {
      const hash = hashTypedData({ domain, types, primaryType: "InferenceReceipt", message: receipt });
      const signature = await sign({ hash, privateKey, to: "hex" });
      results.push({ hash, signature });
    }
    parentPort.postMessage({ id: msg.id, results });
  } catch (error) {
    parentPort.postMessage({ id: msg.id, error: error instanceof Error ? error.message : String(error) });
  }
});
`;
