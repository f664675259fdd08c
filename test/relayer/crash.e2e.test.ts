import { type Address, type Hex, createPublicClient, getAddress, http, keccak256, parseEventLogs } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalChain } from "../../src/devnet/local-chain";
import {
  type BatchHeader,
  type KhoReceiptJson,
  type SignedReceipt,
  batchLeaf,
  batchTree,
  hashBatchHeader,
  hashReceipt,
  parseBatchFile,
  recoverReceiptSigner,
  usageLedgerAbi,
  verifyProof,
} from "../../src/protocol";
import { openStore } from "../../src/relayer/store";
import { type ProcessWorld, startProcessWorld } from "./helpers/process-world";
import type { RelayerProcess } from "./helpers/relayer-process";

/**
 * The relayer as a separate process under load, killed with SIGKILL at random moments (and, in
 * some cycles, by itself right after broadcasting a batch and before recording it), restarted on
 * the same SQLite file each time. Whatever it acknowledged to a client must end up on-chain exactly
 * once, in contiguous batches whose files match their on-chain hashes and roots.
 */

const SEED = Number(process.env.KHO_CRASH_TEST_SEED ?? 0x6b686f);
const CYCLES: readonly ("random-kill" | "crash-after-broadcast")[] = [
  "random-kill",
  "crash-after-broadcast",
  "random-kill",
  "random-kill",
  "crash-after-broadcast",
];
/** Bounds the load even if a kill never came; a cycle normally ends by the kill, well before. */
const MAX_REQUESTS_PER_CYCLE = 300;
/** Each client pauses between calls, so batches seal and broadcast while calls are in flight. */
const CLIENT_PAUSE_MS = 10;

/** mulberry32: small, seedable, good enough to place kills. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type Health = {
  checks: { backlog: { unbatchedReceipts: number; expiredReceipts: number; pendingBatches: number } };
};

describe(`relayer crash recovery (seed ${SEED})`, () => {
  let world: ProcessWorld;
  let chain: LocalChain;
  let dbPath: string;
  let baseUrl: string;
  let apiKey: string;
  let relayerAddress: Address;
  let ledger: Address;
  const random = prng(SEED);

  beforeAll(async () => {
    world = await startProcessWorld({ batchMaxReceipts: 8, userIdSalt: `0x${"33".repeat(32)}` });
    ({ chain, dbPath, baseUrl, apiKey, relayerAddress } = world);
    ledger = chain.deployment!.contracts.UsageLedger;
  });

  afterAll(async () => {
    await world?.close();
  });

  const start = (env: Record<string, string> = {}) => world.start({ env });

  /** Chat completions from `workers` concurrent clients until the process dies (or the cap is reached). */
  async function load(child: RelayerProcess, workers: number, acked: KhoReceiptJson[], statuses: number[]) {
    let gone = false;
    void child.exited.then(() => (gone = true));
    let sent = 0;
    const worker = async (w: number) => {
      while (!gone && sent < MAX_REQUESTS_PER_CYCLE) {
        sent++;
        let res: Response;
        try {
          res = await fetch(`${baseUrl}/v1/chat/completions`, {
            method: "POST",
            headers: { "Content-Type": "application/json", Authorization: `Bearer ${apiKey}` },
            body: JSON.stringify({ model: "pho-vi", messages: [{ role: "user", content: `w${w} #${sent}` }] }),
            signal: AbortSignal.timeout(15_000),
          });
        } catch {
          // The process died under this request: it was never acknowledged.
          continue;
        }
        let body: { kho_receipt?: KhoReceiptJson };
        try {
          body = (await res.json()) as { kho_receipt?: KhoReceiptJson };
        } catch {
          continue;
        }
        statuses.push(res.status);
        if (res.status === 200 && body.kho_receipt) acked.push(body.kho_receipt);
        await sleep(CLIENT_PAUSE_MS);
      }
    };
    await Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
  }

  async function health(): Promise<Health> {
    return (await (await fetch(`${baseUrl}/health`)).json()) as Health;
  }

  // Alone it takes about 20 s; the timeout leaves room for a CI machine shared with other test files.
  it("commits every acknowledged receipt exactly once across SIGKILLs and restarts", async () => {
    const pub = createPublicClient({ transport: http(chain.rpcUrl) });
    const lastBatchId = () =>
      pub.readContract({ address: ledger, abi: usageLedgerAbi, functionName: "lastBatchId", args: [relayerAddress] });
    const acked: KhoReceiptJson[] = [];
    const statuses: number[] = [];
    let healedBroadcasts = 0;

    for (const mode of CYCLES) {
      const child = await start(mode === "crash-after-broadcast" ? { KHO_TEST_CRASH_AFTER_BROADCAST: "1" } : {});
      const workers = 2 + Math.floor(random() * 4);
      const running = load(child, workers, acked, statuses);
      if (mode === "random-kill") {
        await sleep(150 + Math.floor(random() * 2000));
        expect(child.child.exitCode, `the relayer died on its own: ${child.stderr()}`).toBeNull();
        await child.kill("SIGKILL");
      }
      // In crash-after-broadcast mode the relayer kills itself at its first broadcast.
      const exit = await Promise.race([child.exited, sleep(20_000).then(() => null)]);
      expect(exit, "the relayer did not crash after broadcasting").not.toBeNull();
      expect(exit!.signal).toBe("SIGKILL");
      await running;

      if (mode === "crash-after-broadcast") {
        // The batch is on-chain but the store never heard back: exactly the window restart must heal.
        const last = await lastBatchId();
        const onChain = await pub.readContract({
          address: ledger,
          abi: usageLedgerAbi,
          functionName: "batchCommitment",
          args: [relayerAddress, last],
        });
        const store = await openStore(dbPath);
        try {
          const local = await store.batches.get(relayerAddress, last);
          expect(local?.status).toBe("sealed");
          expect(hashBatchHeader(local!)).toBe(onChain);
          expect(await store.batches.txs(relayerAddress, last)).toEqual([]);
        } finally {
          await store.close();
        }
        healedBroadcasts++;
      }
    }
    expect(healedBroadcasts).toBe(2);
    // Connection failures are expected (the process was killed); any HTTP answer must be a success.
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(acked.length).toBeGreaterThan(0);

    // Final restart: let it seal and confirm everything that is left.
    await start();
    let backlog: Health["checks"]["backlog"] | undefined;
    for (let i = 0; i < 120; i++) {
      backlog = (await health()).checks.backlog;
      if (backlog.unbatchedReceipts === 0 && backlog.pendingBatches === 0) break;
      await sleep(250);
    }
    expect(backlog).toMatchObject({ unbatchedReceipts: 0, pendingBatches: 0, expiredReceipts: 0 });

    const last = await lastBatchId();
    const events = parseEventLogs({
      abi: usageLedgerAbi,
      eventName: "BatchSubmitted",
      logs: await pub.getLogs({ address: ledger, fromBlock: 0n }),
    }).filter((l) => l.args.relayer === relayerAddress);
    expect(events.map((e) => e.args.batchId)).toEqual(Array.from({ length: Number(last) }, (_, i) => BigInt(i + 1)));

    const domain = { chainId: chain.chainId, ledger };
    const batchOf = new Map<Hex, { batchId: bigint; receipt: SignedReceipt; proof: Hex[] }>();
    for (const event of events) {
      const id = event.args.batchId;
      expect(event.args.dataURI).toBe(`${baseUrl}/v1/batches/${getAddress(relayerAddress)}/${id}`);
      const bytes = new Uint8Array(await (await fetch(event.args.dataURI)).arrayBuffer());
      const onChain = event.args;
      expect(
        await pub.readContract({
          address: ledger,
          abi: usageLedgerAbi,
          functionName: "batchCommitment",
          args: [relayerAddress, id],
        }),
      ).toBe(hashBatchHeader(onChain));
      expect(keccak256(bytes)).toBe(onChain.dataHash);
      const file = parseBatchFile(bytes);
      expect([file.batchId, file.relayer, file.ledger, file.chainId]).toEqual([
        id,
        relayerAddress,
        ledger,
        BigInt(chain.chainId),
      ]);
      expect(file.receipts.length).toBe(onChain.count);
      const hashes = file.receipts.map((r) => r.hash);
      expect(hashes).toEqual([...hashes].sort());
      const tree = batchTree(hashes);
      expect(tree.root).toBe(onChain.root);
      for (const r of file.receipts) {
        const { hash, signature, receipt } = r;
        expect(hashReceipt(receipt, domain)).toBe(hash);
        expect(receipt.epoch).toBe(file.epoch);
        expect(await recoverReceiptSigner(receipt, signature, domain)).toBe(relayerAddress);
        expect(batchOf.has(hash), `receipt ${hash} is in batches ${batchOf.get(hash)?.batchId} and ${id}`).toBe(false);
        batchOf.set(hash, { batchId: id, receipt: r, proof: tree.proof(batchLeaf(hash)) });
      }
    }

    // Every acknowledged receipt is committed exactly once (the map already rules out twice).
    expect(new Set(acked.map((a) => a.hash)).size).toBe(acked.length);
    const missing = acked.filter((a) => !batchOf.has(a.hash)).map((a) => a.hash);
    expect(missing).toEqual([]);

    // The contract agrees, for a few acknowledged receipts spread over the batches.
    const sample = [acked[0]!, acked[Math.floor(acked.length / 2)]!, acked[acked.length - 1]!];
    for (const a of sample) {
      const committed = batchOf.get(a.hash)!;
      const { receipt, signature } = committed.receipt;
      const header = committedHeader(committed.batchId);
      expect(verifyProof(header.root, batchLeaf(a.hash), committed.proof)).toBe(true);
      expect(
        await pub.readContract({
          address: ledger,
          abi: usageLedgerAbi,
          functionName: "verifyReceipt",
          args: [receipt, signature, relayerAddress, committed.batchId, header, committed.proof],
        }),
      ).toBe(true);
    }

    /** The header BatchSubmitted carries (the ledger stores only its hash). */
    function committedHeader(batchId: bigint): BatchHeader {
      const event = events.find((e) => e.args.batchId === batchId);
      if (!event) throw new Error(`batch ${batchId} has no BatchSubmitted event`);
      const { epoch, root, count, dataHash } = event.args;
      return { epoch, root, count, dataHash };
    }
  }, 180_000);
});
