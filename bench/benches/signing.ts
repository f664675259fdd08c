import os from "node:os";
import type { Hex } from "viem";
import { privateKeyToAccount, sign } from "viem/accounts";
import { type InferenceReceipt, hashReceipt, recoverReceiptSigner } from "../../src/protocol";
import { createReceiptSigner } from "../../src/relayer/signer/signer";
import { randomReceipts } from "../fixtures/receipts";
import { nowMs, rate, round } from "../lib/stats";
import { type Bench, BenchError } from "../lib/types";
import { BENCH_DOMAIN } from "./protocol-hashing";

/** Hardhat's account #1: a well-known test key, never a real one. */
export const BENCH_SIGNER_KEY: Hex = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

/** Signs the way the worker does (byte-level digest + sign), on this thread. */
async function signInline(receipts: readonly InferenceReceipt[]): Promise<number> {
  const start = nowMs();
  for (const message of receipts) {
    const hash = hashReceipt(message, BENCH_DOMAIN);
    await sign({ hash, privateKey: BENCH_SIGNER_KEY, to: "hex" });
  }
  return nowMs() - start;
}

/** Runs `count` jobs with at most `concurrency` in flight. */
async function bounded(count: number, concurrency: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) await job(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}

async function signThroughPool(
  receipts: readonly InferenceReceipt[],
  threads: number,
  perMessage: number,
): Promise<{ ms: number; signatures: { hash: Hex; signature: Hex }[] }> {
  const signer = createReceiptSigner({ privateKey: BENCH_SIGNER_KEY, domain: BENCH_DOMAIN, threads });
  try {
    // Workers load viem on start-up; do not bill that to the first requests.
    await Promise.all(Array.from({ length: threads * 2 }, (_, i) => signer.signReceipts([receipts[i]!])));
    const signatures: { hash: Hex; signature: Hex }[] = new Array(receipts.length);
    const messages = Math.ceil(receipts.length / perMessage);
    const start = nowMs();
    await bounded(messages, 64, async (m) => {
      const chunk = receipts.slice(m * perMessage, (m + 1) * perMessage);
      const signed = await signer.signReceipts(chunk);
      signed.forEach((s, k) => (signatures[m * perMessage + k] = s));
    });
    return { ms: nowMs() - start, signatures };
  } finally {
    await signer.close();
  }
}

export const signingBench: Bench = {
  name: "signing",
  description: "EIP-712 receipt signing: inline on one thread vs the relayer's worker pool (createReceiptSigner)",
  async run({ mode, log }) {
    const cores = os.availableParallelism();
    const inlineCount = mode === "full" ? 5_000 : 1_000;
    const poolCount = mode === "full" ? 10_000 : 2_000;
    const receipts = randomReceipts(Math.max(inlineCount, poolCount), 3);
    const expected = privateKeyToAccount(BENCH_SIGNER_KEY).address;

    log(`inline signing, ${inlineCount} receipts`);
    await signInline(receipts.slice(0, 200));
    const inlineMs = await signInline(receipts.slice(0, inlineCount));
    const inlineRate = rate(inlineCount, inlineMs);
    const rows: (string | number)[][] = [
      ["inline (main thread)", 1, 1, inlineCount, inlineRate, round(inlineMs / inlineCount, 3), "1.00"],
    ];
    const pool: Record<string, unknown>[] = [];
    for (let threads = 1; threads <= cores; threads++) {
      for (const perMessage of [1, 64]) {
        log(`worker pool: ${threads} thread(s), ${perMessage} receipt(s) per call, ${poolCount} receipts`);
        const run = await signThroughPool(receipts.slice(0, poolCount), threads, perMessage);
        for (const i of [0, poolCount >> 1, poolCount - 1]) {
          const signer = await recoverReceiptSigner(receipts[i]!, run.signatures[i]!.signature, BENCH_DOMAIN);
          if (signer !== expected) throw new BenchError(`pool signature ${i} recovers to ${signer}, not ${expected}`);
        }
        const perSecond = rate(poolCount, run.ms);
        rows.push([
          "createReceiptSigner pool",
          threads,
          perMessage,
          poolCount,
          perSecond,
          round(run.ms / poolCount, 3),
          round(perSecond / inlineRate, 2).toFixed(2),
        ]);
        pool.push({ threads, receiptsPerCall: perMessage, receipts: poolCount, perSecond, totalMs: round(run.ms, 1) });
      }
    }
    return {
      tables: [
        {
          title: `Receipt signing (hashTypedData + secp256k1 sign), ${cores} cores, 64 calls in flight`,
          columns: ["path", "threads", "receipts/call", "receipts", "receipts/s", "ms/receipt (wall)", "× inline"],
          rows,
        },
      ],
      data: { cores, inline: { receipts: inlineCount, perSecond: inlineRate, totalMs: round(inlineMs, 1) }, pool },
      notes: [
        "The relayer calls signReceipts with one receipt per request (receipts/call = 1); 64 per call shows the messaging overhead.",
        "Signatures from each pool run were checked to recover to the signing key.",
      ],
      targets: [],
    };
  },
};
