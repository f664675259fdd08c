import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { type Address, type Hex, createPublicClient, getAddress, http, keccak256, parseEventLogs } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalChain, startLocalChain } from "../../src/devnet/local-chain";
import {
  type KhoReceiptJson,
  type SignedReceipt,
  batchLeaf,
  batchTree,
  hashReceipt,
  parseBatchFile,
  recoverReceiptSigner,
  usageLedgerAbi,
  verifyProof,
} from "../../src/protocol";
import { createApiKey } from "../../src/relayer/auth/api-keys";
import { openStore } from "../../src/relayer/store";
import { addDeployment, createCommunity, createKhoClient, registerModel } from "../../src/sdk";
import { type RelayerProcess, startRelayerProcess } from "./helpers/relayer-process";
import { type StubUpstream, startStubUpstream } from "./helpers/stub-upstream";

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

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type Health = {
  checks: { backlog: { unbatchedReceipts: number; expiredReceipts: number; pendingBatches: number } };
};

describe(`relayer crash recovery (seed ${SEED})`, () => {
  let chain: LocalChain;
  let upstream: StubUpstream;
  let dir: string;
  let dbPath: string;
  let baseUrl: string;
  let apiKey: string;
  let relayerAddress: Address;
  let ledger: Address;
  let env: Record<string, string>;
  const children: RelayerProcess[] = [];
  const random = prng(SEED);

  beforeAll(async () => {
    upstream = await startStubUpstream();
    chain = await startLocalChain({ deploy: {} });
    const [admin, relayerKey, builder, operator] = chain.accounts;
    relayerAddress = relayerKey!.address;
    const deployment = chain.deployment!;
    ledger = deployment.contracts.UsageLedger;

    const adminClient = createKhoClient({
      rpcUrl: chain.rpcUrl,
      chainId: chain.chainId,
      addresses: deployment.contracts,
      account: admin!.privateKey,
    });
    const hash = await adminClient.wallet!.writeContract({
      address: ledger,
      abi: usageLedgerAbi,
      functionName: "addRelayer",
      args: [relayerAddress],
    });
    expect((await adminClient.public.waitForTransactionReceipt({ hash })).status).toBe("success");

    const builderClient = createKhoClient({
      rpcUrl: chain.rpcUrl,
      chainId: chain.chainId,
      addresses: deployment.contracts,
      account: builder!.privateKey,
    });
    const { communityId } = await createCommunity(builderClient, {
      slug: "vi-VN/home-cooking",
      locale: "vi-VN",
      metadataURI: "ipfs://community",
    });
    const { modelId } = await registerModel(builderClient, {
      name: "pho-vi",
      locale: "vi-VN",
      communityId,
      metadataURI: "ipfs://card",
      contentHash: keccak256("0x01"),
    });
    await addDeployment(builderClient, { modelId, operator: operator!.address, endpoint: upstream.url });

    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kho-crash-"));
    dbPath = path.join(dir, "relayer.sqlite");
    const store = await openStore(dbPath);
    apiKey = (await createApiKey(store, { owner: builder!.address, label: "crash test" })).key;
    await store.close();

    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    env = {
      KHO_RPC_URL: chain.rpcUrl,
      KHO_CHAIN_ID: String(chain.chainId),
      KHO_USAGE_LEDGER_ADDRESS: ledger,
      KHO_MODEL_REGISTRY_ADDRESS: deployment.contracts.ModelRegistry,
      KHO_FEE_ESCROW_ADDRESS: deployment.contracts.FeeEscrow,
      KHO_RELAYER_PRIVATE_KEY: relayerKey!.privateKey,
      KHO_RELAYER_DB: dbPath,
      KHO_RELAYER_HOST: "127.0.0.1",
      KHO_RELAYER_PORT: String(port),
      KHO_RELAYER_PUBLIC_URL: baseUrl,
      KHO_USER_ID_SALT: `0x${"33".repeat(32)}`,
      KHO_BATCH_MAX_RECEIPTS: "8",
      KHO_BATCH_MAX_AGE_SECONDS: "1",
      KHO_ALLOW_LOOPBACK_UPSTREAMS: "true",
      KHO_RATE_LIMIT_PER_MINUTE: "1000000",
      KHO_IP_RATE_LIMIT_PER_MINUTE: "1000000",
      KHO_SIGNER_THREADS: "1",
      KHO_LOG_LEVEL: "info",
    };
  });

  afterAll(async () => {
    await Promise.all(children.map((c) => c.kill("SIGKILL")));
    await upstream?.close();
    await chain?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function start(extra: Record<string, string> = {}): Promise<RelayerProcess> {
    const child = await startRelayerProcess({ env: { ...env, ...extra }, cwd: dir });
    children.push(child);
    return child;
  }

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
          functionName: "getBatch",
          args: [relayerAddress, last],
        });
        const store = await openStore(dbPath);
        try {
          const local = await store.batches.get(relayerAddress, last);
          expect(local?.status).toBe("sealed");
          expect(local?.root).toBe(onChain.root);
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
      const onChain = await pub.readContract({
        address: ledger,
        abi: usageLedgerAbi,
        functionName: "getBatch",
        args: [relayerAddress, id],
      });
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
      expect(verifyProof(await committedRoot(committed.batchId), batchLeaf(a.hash), committed.proof)).toBe(true);
      expect(
        await pub.readContract({
          address: ledger,
          abi: usageLedgerAbi,
          functionName: "verifyReceipt",
          args: [receipt, signature, relayerAddress, committed.batchId, committed.proof],
        }),
      ).toBe(true);
    }

    async function committedRoot(batchId: bigint): Promise<Hex> {
      return (
        await pub.readContract({
          address: ledger,
          abi: usageLedgerAbi,
          functionName: "getBatch",
          args: [relayerAddress, batchId],
        })
      ).root;
    }
  }, 180_000);
});
