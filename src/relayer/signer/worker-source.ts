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
 * It signs with libsecp256k1 compiled to WebAssembly (`tiny-secp256k1`): the same RFC 6979 nonce
 * and low-s signature as viem's `sign` (signer.test.ts holds them equal), ~4× less CPU per receipt.
 * WebAssembly, not the native `secp256k1` addon (~12×): the addon keeps one static constructor
 * reference for every environment that loads it, and a process whose main thread had loaded it
 * aborted (`free(): invalid next size`) when a signer worker that loaded it too was terminated (#13).
 */
export const SIGN_WORKER_SOURCE = `
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
if (workerData.receiptDigestPath.endsWith(".ts") && require.extensions[".ts"] === undefined) {
  require(workerData.tsNodeRegisterPath);
}
const { bytesToHex, hexToBytes, stringToBytes } = require(workerData.viemPath);
const { signRecoverable } = require(workerData.secp256k1Path);
const { receiptDigest } = require(workerData.receiptDigestPath);
const { keccak256Bytes } = require(workerData.keccakPath);
const { domain } = workerData;
const privateKey = hexToBytes(workerData.privateKey);

function hashOf(value) {
  return typeof value === "string" ? value : bytesToHex(keccak256Bytes(stringToBytes(value.canonicalJson)));
}

parentPort.on("message", (msg) => {
  try {
    const results = [];
    for (const draft of msg.receipts) {
      try {
        const receipt = { ...draft, inputHash: hashOf(draft.inputHash), outputHash: hashOf(draft.outputHash) };
        const digest = receiptDigest(receipt, domain);
        const signed = signRecoverable(digest, privateKey);
        // r ‖ s ‖ v with v = 27 + recovery id, as viem's sign writes it.
        const signature = bytesToHex(signed.signature) + (27 + signed.recoveryId).toString(16);
        results.push({ hash: bytesToHex(digest), signature, inputHash: receipt.inputHash, outputHash: receipt.outputHash });
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
