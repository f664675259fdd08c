/**
 * Source of a signing worker (run with `eval: true`, so the same code works from ts and from the
 * compiled build). It gets module paths, the ledger domain and the key through workerData, and
 * answers `{ id, receipts }` messages with `{ id, results }` or `{ id, error }`. It hashes with
 * src/protocol/receipt-digest (the byte-level path hashReceipt uses); when that path is a .ts file
 * (running from source) and the worker did not inherit ts-node through execArgv, it registers
 * ts-node first.
 */
export const SIGN_WORKER_SOURCE = `
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
if (workerData.receiptDigestPath.endsWith(".ts") && require.extensions[".ts"] === undefined) {
  require(workerData.tsNodeRegisterPath);
}
const { bytesToHex } = require(workerData.viemPath);
const { sign } = require(workerData.viemAccountsPath);
const { receiptDigest } = require(workerData.receiptDigestPath);
const { domain, privateKey } = workerData;

parentPort.on("message", async (msg) => {
  try {
    const results = [];
    for (const receipt of msg.receipts) {
      const hash = bytesToHex(receiptDigest(receipt, domain));
      const signature = await sign({ hash, privateKey, to: "hex" });
      results.push({ hash, signature });
    }
    parentPort.postMessage({ id: msg.id, results });
  } catch (error) {
    parentPort.postMessage({ id: msg.id, error: error instanceof Error ? error.message : String(error) });
  }
});
`;
