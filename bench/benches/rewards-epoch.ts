import os from "node:os";
import type { Address, Hex } from "viem";
import { getAddress } from "viem";
import { hashReceipt } from "../../src/protocol";
import { createReceiptSigner } from "../../src/relayer/signer/signer";
import { buildCumulativeRewardTree } from "../../src/protocol/cumulative-tree";
import { computeEpochRewards } from "../../src/rewards/core";
import { createSignaturePool, defaultThreads } from "../../src/rewards/pipeline/signature-pool";
import { createPrng } from "../fixtures/prng";
import { randomReceipts } from "../fixtures/receipts";
import { type SyntheticEpochShape, syntheticEpoch } from "../fixtures/synthetic-epoch";
import { mib, nowMs, rate, round } from "../lib/stats";
import { type Bench, BenchError, type BenchContext } from "../lib/types";
import { BENCH_DOMAIN } from "./protocol-hashing";
import { BENCH_SIGNER_KEY } from "./signing";

const SHAPES: Record<BenchContext["mode"], SyntheticEpochShape> = {
  quick: {
    receipts: 20_000,
    users: 5_000,
    models: 50,
    communities: 10,
    datasets: 30,
    stakers: 200,
    historyRecords: 2_000,
  },
  full: {
    receipts: 1_000_000,
    users: 100_000,
    models: 500,
    communities: 50,
    datasets: 200,
    stakers: 2_000,
    historyRecords: 50_000,
  },
};

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) gc();
}

/** Peak resident set size of this process so far, in bytes. */
function maxRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

async function verifySignatures(count: number, log: BenchContext["log"]) {
  const receipts = randomReceipts(count, 11);
  log(`signing ${count} receipts for the verification run`);
  const signer = createReceiptSigner({
    privateKey: BENCH_SIGNER_KEY,
    domain: BENCH_DOMAIN,
    threads: os.availableParallelism(),
  });
  const signed: { hash: Hex; signature: Hex }[] = [];
  try {
    for (let i = 0; i < count; i += 256) signed.push(...(await signer.signReceipts(receipts.slice(i, i + 256))));
  } finally {
    await signer.close();
  }

  log("hashing receipts on the main thread (the pipeline's hashReceipt step)");
  let start = nowMs();
  const hashes = receipts.map((r) => hashReceipt(r, BENCH_DOMAIN));
  const hashMs = nowMs() - start;
  if (hashes.some((h, i) => h !== signed[i]!.hash)) throw new BenchError("hashReceipt differs from the signer's hash");

  const threads = defaultThreads();
  const pool = createSignaturePool({ threads });
  try {
    // Every worker loads viem on its first chunk (256 items each): warm them all before timing.
    await pool.recover(signed.slice(0, Math.min(count, threads * 256)));
    log(`recovering ${count} signers on ${threads} worker thread(s)`);
    start = nowMs();
    const recovered = await pool.recover(hashes.map((hash, i) => ({ hash, signature: signed[i]!.signature })));
    const recoverMs = nowMs() - start;
    const expected = signer.address;
    const wrong = recovered.filter((a) => a !== expected).length;
    if (wrong > 0) throw new BenchError(`${wrong} of ${count} signatures did not recover to the signer`);
    return { count, threads, hashMs, recoverMs };
  } finally {
    await pool.close();
  }
}

export const rewardsEpochBench: Bench = {
  name: "rewards-epoch",
  description: "computeEpochRewards over a synthetic epoch, the cumulative payout tree, signature recovery pool",
  async run({ mode, log }) {
    const shape = SHAPES[mode];
    log(`building a synthetic epoch: ${JSON.stringify(shape)}`);
    const epoch = syntheticEpoch(shape);

    let start = nowMs();
    const drained = epoch.drainReceipts();
    const generateMs = nowMs() - start;
    if (drained !== shape.receipts)
      throw new BenchError(`generator yielded ${drained} receipts, not ${shape.receipts}`);

    collectGarbage();
    const rssBefore = process.memoryUsage().rss;
    const heapBefore = process.memoryUsage().heapUsed;
    log(`computeEpochRewards over ${shape.receipts} receipts`);
    start = nowMs();
    const result = computeEpochRewards(epoch.input);
    const computeMs = nowMs() - start;
    const peakRss = maxRss();
    const heapAfter = process.memoryUsage().heapUsed;
    if (result.totals.receipts !== shape.receipts) throw new BenchError("the calculator saw a different receipt count");
    const paid = result.accounts.reduce((sum, a) => sum + a.amount, 0n);
    if (paid + result.unallocated !== result.budget) throw new BenchError("payouts do not conserve the budget");

    log(`cumulative tree over ${result.accounts.length} payees`);
    start = nowMs();
    const payeeTree = buildCumulativeRewardTree({
      epoch: result.epoch,
      payouts: result.accounts,
      previousCumulative: new Map(),
    });
    const payeeTreeMs = nowMs() - start;

    const priorAccounts = mode === "full" ? 100_000 : 10_000;
    const prng = createPrng(13);
    const previous = new Map<Address, bigint>();
    for (let i = 0; i < priorAccounts; i++)
      previous.set(getAddress(prng.address()), BigInt(1 + prng.int(1_000_000)) * 10n ** 15n);
    log(`cumulative tree over ${result.accounts.length} payees + ${priorAccounts} earlier accounts`);
    start = nowMs();
    const fullTree = buildCumulativeRewardTree({
      epoch: result.epoch,
      payouts: result.accounts,
      previousCumulative: previous,
    });
    const fullTreeMs = nowMs() - start;

    const sigCount = mode === "full" ? 20_000 : 1_000;
    const sig = await verifySignatures(sigCount, log);
    const perMillion = (ms: number, n: number) => round(((ms / n) * 1_000_000) / 1000, 1);

    return {
      tables: [
        {
          title: `Epoch of ${shape.receipts.toLocaleString("en-US")} receipts, ${shape.users.toLocaleString("en-US")} users, ${shape.models} models (one thread)`,
          columns: ["step", "items", "time s", "items/s", "notes"],
          rows: [
            [
              "generate synthetic receipts (lazy stream, not the calculator)",
              shape.receipts,
              round(generateMs / 1000, 2),
              rate(shape.receipts, generateMs),
              "subtract from the next row for the calculator alone",
            ],
            [
              "computeEpochRewards (stream + score + split)",
              shape.receipts,
              round(computeMs / 1000, 2),
              rate(shape.receipts, computeMs),
              `peak RSS ${mib(peakRss)} MiB (${mib(rssBefore)} MiB before); heap +${mib(heapAfter - heapBefore)} MiB`,
            ],
            [
              "buildCumulativeRewardTree (this epoch's payees)",
              payeeTree.entries.length,
              round(payeeTreeMs / 1000, 3),
              rate(payeeTree.entries.length, payeeTreeMs),
              "leaves + tree + every proof",
            ],
            [
              `buildCumulativeRewardTree (payees + ${priorAccounts.toLocaleString("en-US")} earlier accounts)`,
              fullTree.entries.length,
              round(fullTreeMs / 1000, 2),
              rate(fullTree.entries.length, fullTreeMs),
              "leaves + tree + every proof",
            ],
          ],
        },
        {
          title: `Signature verification, ${sig.count.toLocaleString("en-US")} signed receipts (extrapolated per 1M receipts)`,
          columns: ["step", "threads", "time s", "receipts/s", "s per 1M (extrapolated)"],
          rows: [
            [
              "hashReceipt on the main thread",
              1,
              round(sig.hashMs / 1000, 2),
              rate(sig.count, sig.hashMs),
              perMillion(sig.hashMs, sig.count),
            ],
            [
              "createSignaturePool.recover",
              sig.threads,
              round(sig.recoverMs / 1000, 2),
              rate(sig.count, sig.recoverMs),
              perMillion(sig.recoverMs, sig.count),
            ],
          ],
        },
      ],
      data: {
        shape,
        receiptGeneratorMs: round(generateMs, 1),
        computeMs: round(computeMs, 1),
        calculatorOnlyMs: round(computeMs - generateMs, 1),
        rssBeforeMiB: mib(rssBefore),
        peakRssMiB: mib(peakRss),
        heapGrowthMiB: mib(heapAfter - heapBefore),
        payees: result.accounts.length,
        modelUsers: result.totals.modelUsers,
        payeeTree: { leaves: payeeTree.entries.length, ms: round(payeeTreeMs, 1) },
        payeeAndPriorTree: { leaves: fullTree.entries.length, priorAccounts, ms: round(fullTreeMs, 1) },
        signatures: {
          receipts: sig.count,
          threads: sig.threads,
          hashMs: round(sig.hashMs, 1),
          recoverMs: round(sig.recoverMs, 1),
          recoverPerSecond: rate(sig.count, sig.recoverMs),
          extrapolatedRecoverSecondsPerMillion: perMillion(sig.recoverMs, sig.count),
          extrapolatedHashSecondsPerMillion: perMillion(sig.hashMs, sig.count),
        },
      },
      notes: [
        "computeEpochRewards time includes generating the lazy receipt stream; the generator's own cost is the first row.",
        "Peak RSS is the process's lifetime maximum (each bench runs in its own process).",
        `Signature figures per 1M receipts are extrapolated linearly from ${sig.count.toLocaleString("en-US")} receipts.`,
      ],
      targets: [],
    };
  },
};
