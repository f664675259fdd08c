/**
 * Source of a signing worker (run with `eval: true`, so the same code works from ts and from the
 * compiled build). It gets module paths, the ledger domain and the key through workerData, and
 * answers `{ id, receipts }` messages with `{ id, results }` (one `{ hash, signature, inputHash,
 * outputHash }` or `{ error }` per receipt, so one bad receipt fails only its own caller) or
 * `{ id, error }`. An inputHash or outputHash given as `{ canonicalJson }` is hashed here
 * (keccak256 of its UTF-8 bytes, as canonicalJsonHash does), so the relayer's event loop does no
 * keccak per call. It hashes receipts with src/protocol/receipt-digest (the byte-level path
 * hashReceipt uses) and that JSON with src/protocol/keccak (js-sha3, 3–6× viem's noble keccak);
 * when those are .ts files (running from source) and the worker did not inherit ts-node through
 * execArgv, it registers ts-node first.
 *
 * Signing stays on viem's `sign`. libsecp256k1 (the `secp256k1` package) signs the same bytes ~12×
 * faster, but its addon keeps one static constructor reference for every environment that loads
 * it: a process whose main thread had loaded it aborted (`free(): invalid next size`) when a signer
 * worker that loaded it too was terminated (#13).
 */
export const SIGN_WORKER_SOURCE = `
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
if (workerData.receiptDigestPath.endsWith(".ts") && require.extensions[".ts"] === undefined) {
  require(workerData.tsNodeRegisterPath);
}
const { bytesToHex, stringToBytes } = require(workerData.viemPath);
const { sign } = require(workerData.viemAccountsPath);
const { receiptDigest } = require(workerData.receiptDigestPath);
const { keccak256Bytes } = require(workerData.keccakPath);
const { domain, privateKey } = workerData;

function hashOf(value) {
  return typeof value === "string" ? value : bytesToHex(keccak256Bytes(stringToBytes(value.canonicalJson)));
}

parentPort.on("message", async (msg) => {
  try {
    const results = [];
    for (const draft of msg.receipts) {
      try {
        const receipt = { ...draft, inputHash: hashOf(draft.inputHash), outputHash: hashOf(draft.outputHash) };
        const hash = bytesToHex(receiptDigest(receipt, domain));
        const signature = await sign({ hash, privateKey, to: "hex" });
        results.push({ hash, signature, inputHash: receipt.inputHash, outputHash: receipt.outputHash });
      } catch (error) {
        results.push({ error: error instanceof Error ? error.message : String(error) });
      }
    }
    parentPort.postMessage({ id: msg.id, results });
  } catch (error) {
    parentPort.postMessage({ id: msg.id, error: error instanceof Error ? error.message : String(error) });
  }
});
`;
