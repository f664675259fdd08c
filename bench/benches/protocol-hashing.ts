import { keccak_256 } from "@noble/hashes/sha3";
import { type Address, type Hex, hashTypedData } from "viem";
import {
  type InferenceReceipt,
  type LedgerDomain,
  batchLeafBytes,
  hashReceipt,
  receiptDigest,
  receiptTypes,
  rewardLeafBytes,
  usageLedgerDomain,
} from "../../src/protocol";
import { createPrng } from "../fixtures/prng";
import { randomReceipts } from "../fixtures/receipts";
import { nowMs, rate, round } from "../lib/stats";
import { type Bench, BenchError, type BenchTable } from "../lib/types";

export const BENCH_DOMAIN: LedgerDomain = { chainId: 31337, ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3" };
const VIEM_DOMAIN = usageLedgerDomain(BENCH_DOMAIN.chainId, BENCH_DOMAIN.ledger);

/** What hashReceipt did before the byte-level path: the reference it is checked against. */
function viemHashReceipt(message: InferenceReceipt): Hex {
  return hashTypedData({ domain: VIEM_DOMAIN, types: receiptTypes, primaryType: "InferenceReceipt", message });
}

type Measured = { label: string; count: number; ms: number };

/** Runs `body` over every index once untimed (JIT warm-up), then once timed. */
function measure(label: string, count: number, body: (i: number) => unknown): Measured {
  const warm = Math.min(count, 1000);
  for (let i = 0; i < warm; i++) body(i);
  const start = nowMs();
  for (let i = 0; i < count; i++) body(i);
  return { label, count, ms: nowMs() - start };
}

export const protocolHashingBench: Bench = {
  name: "protocol-hashing",
  description: "EIP-712 receipt digests (viem hashTypedData vs hashReceipt's byte-level path) and keccak leaf hashing",
  async run({ mode, log }) {
    const count = mode === "full" ? 100_000 : 5_000;
    log(`generating ${count} receipts`);
    const receipts = randomReceipts(count, 1);

    // The byte-level path only counts if it produces the protocol's digests.
    for (let i = 0; i < Math.min(count, 2000); i++) {
      if (hashReceipt(receipts[i]!, BENCH_DOMAIN) !== viemHashReceipt(receipts[i]!))
        throw new BenchError(`hashReceipt of receipt ${i} differs from viem hashTypedData`);
    }

    const hashes: Hex[] = new Array<Hex>(count);
    log("viem hashTypedData");
    const viem = measure("viem `hashTypedData` (reference)", count, (i) => viemHashReceipt(receipts[i]!));
    log("hashReceipt (byte-level)");
    const hex = measure("`hashReceipt` (byte-level, hex out)", count, (i) => {
      hashes[i] = hashReceipt(receipts[i]!, BENCH_DOMAIN);
    });
    log("receiptDigest (byte-level, bytes out)");
    const bytes = measure("`receiptDigest` (byte-level, bytes out)", count, (i) =>
      receiptDigest(receipts[i]!, BENCH_DOMAIN),
    );

    const prng = createPrng(2);
    const accounts: Address[] = Array.from({ length: count }, () => prng.address());
    const word = new Uint8Array(32);
    log("leaf hashing");
    const rows: Measured[] = [
      viem,
      hex,
      bytes,
      measure("batchLeafBytes(receiptHash) (2× keccak, hex in)", count, (i) => batchLeafBytes(hashes[i]!)),
      measure("rewardLeafBytes(account, amount) (2× keccak)", count, (i) =>
        rewardLeafBytes(accounts[i]!, BigInt(i) * 10n ** 15n),
      ),
      measure("keccak_256 of 32 bytes (@noble/hashes)", count, (i) => {
        word[0] = i & 255;
        return keccak_256(word);
      }),
    ];

    const table: BenchTable = {
      title: `Hashing, ${count.toLocaleString("en-US")} items, one thread`,
      columns: ["operation", "items/s", "µs/item", "s per 1M"],
      rows: rows.map((r) => [
        r.label,
        rate(r.count, r.ms),
        round((r.ms * 1000) / r.count, 2),
        round((r.ms / r.count) * 1000, 2),
      ]),
    };
    return {
      tables: [table],
      data: {
        items: count,
        results: rows.map((r) => ({ label: r.label, perSecond: rate(r.count, r.ms), totalMs: round(r.ms, 1) })),
        hashReceiptVsViemSpeedup: round(viem.ms / hex.ms, 1),
        byteVsViemSpeedup: round(viem.ms / bytes.ms, 1),
      },
      notes: [
        `hashReceipt matched viem hashTypedData on the first ${Math.min(count, 2000)} receipts before timing.`,
        `hashReceipt is ${round(viem.ms / hex.ms, 1)}× faster than viem hashTypedData (${round(viem.ms / bytes.ms, 1)}× without the hex conversion).`,
      ],
      targets: [],
    };
  },
};
