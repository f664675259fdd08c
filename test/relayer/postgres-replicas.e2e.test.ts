import { type Address, type Hex, createPublicClient, http, keccak256, parseEventLogs, parseUnits } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type KhoReceiptJson,
  hashReceipt,
  parseBatchFile,
  recoverReceiptSigner,
  usageLedgerAbi,
} from "../../src/protocol";
import { createApiKey } from "../../src/relayer/auth/api-keys";
import { type RelayerStore, openStore } from "../../src/relayer/store";
import { type PostgresCluster, startPostgresCluster } from "./helpers/postgres-cluster";
import { type ProcessWorld, startProcessWorld } from "./helpers/process-world";
import type { RelayerProcess } from "./helpers/relayer-process";

/**
 * Two relayer replicas (separate processes, each with its own relayer key) on one PostgreSQL
 * database, behind no load balancer: the test spreads calls over both itself. Whatever one replica
 * promises must hold for the pair: one receipt per idempotency key, one rate limit, no spend beyond
 * a payer's escrow balance, and every acknowledged receipt committed on-chain exactly once even when
 * a replica is SIGKILLed under load (it commits its own receipts when it starts again).
 */

const PRICE = parseUnits("0.5", 18);
const PAID_CALLS_AFFORDED = 5;
const PER_CALLER_PER_MINUTE = 20;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type Replica = { name: "A" | "B"; index: number; address: Address; url: string; process?: RelayerProcess };
type ChatAnswer = { status: number; receipt?: KhoReceiptJson; replayed: boolean };

describe("relayer replicas on PostgreSQL", () => {
  let cluster: PostgresCluster;
  let world: ProcessWorld;
  let ledger: Address;
  let payerKey: string;
  const callerKeys: string[] = [];
  const replicas: Replica[] = [];
  const acked: KhoReceiptJson[] = [];
  const pub = () => createPublicClient({ transport: http(world.chain.rpcUrl) });

  beforeAll(async () => {
    // No skip: a machine without PostgreSQL fails here, saying which package to install.
    cluster = await startPostgresCluster();
    // Each replica signs with its own key, and each key holds the relayer role; account 4 pays.
    world = await startProcessWorld({
      store: await cluster.createDatabase("kho_relayer"),
      replicas: 2,
      models: [{ name: "pho-vi" }, { name: "pho-vi-paid", price: PRICE }],
      apiKeyOwner: 4,
      payerDeposit: { account: 4, amount: PRICE * BigInt(PAID_CALLS_AFFORDED) },
      batchMaxReceipts: 8,
      userIdSalt: `0x${"44".repeat(32)}`,
      env: { KHO_RATE_LIMIT_PER_MINUTE: String(PER_CALLER_PER_MINUTE) },
    });
    ledger = world.chain.deployment!.contracts.UsageLedger;
    payerKey = world.apiKey;

    // Keys are issued once, in the shared database, and work on every replica.
    const store: RelayerStore = await openStore(world.dbPath);
    try {
      for (let i = 0; i < 8; i++) {
        const owner = world.chain.accounts[0]!.address;
        callerKeys.push((await createApiKey(store, { owner, label: `caller ${i}` })).key);
      }
    } finally {
      await store.close();
    }

    for (const [index, name] of (["A", "B"] as const).entries()) {
      replicas.push({ name, index, address: world.replicas[index]!.address, url: world.replicas[index]!.url });
    }
    await Promise.all(replicas.map(start));
  }, 240_000);

  afterAll(async () => {
    await world?.close();
    await cluster?.stop();
  });

  async function start(replica: Replica): Promise<void> {
    replica.process = await world.start({ replica: replica.index });
  }

  async function chat(
    replica: Replica,
    params: { key: string; model?: string; content: string; idempotencyKey?: string },
  ): Promise<ChatAnswer> {
    const res = await fetch(`${replica.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Authorization: `Bearer ${params.key}`,
        ...(params.idempotencyKey ? { "Idempotency-Key": params.idempotencyKey } : {}),
      },
      body: JSON.stringify({ model: params.model ?? "pho-vi", messages: [{ role: "user", content: params.content }] }),
      signal: AbortSignal.timeout(20_000),
    });
    const body = (await res.json()) as { kho_receipt?: KhoReceiptJson };
    const answer = {
      status: res.status,
      receipt: body.kho_receipt,
      replayed: res.headers.get("idempotent-replayed") === "true",
    };
    if (answer.status === 200 && answer.receipt && !answer.replayed) acked.push(answer.receipt);
    return answer;
  }

  it("makes one receipt for one idempotency key sent to both replicas at once", async () => {
    const request = { key: callerKeys[0]!, content: "cá kho tộ", idempotencyKey: "order-42" };
    const answers = await Promise.all([chat(replicas[0]!, request), chat(replicas[1]!, request)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(answers[0]!.receipt!.hash).toBe(answers[1]!.receipt!.hash);
    expect(answers.filter((a) => a.replayed)).toHaveLength(1);
    // A later retry on either replica replays the same receipt.
    const retry = await chat(replicas[1]!, request);
    expect([retry.status, retry.replayed, retry.receipt!.hash]).toEqual([200, true, answers[0]!.receipt!.hash]);
    const store = await openStore(world.dbPath);
    try {
      expect((await store.receipts.countByStatus()).unbatched + (await store.receipts.countByStatus()).batched).toBe(1);
    } finally {
      await store.close();
    }
  });

  it("counts one caller's calls on both replicas against one rate limit", async () => {
    const key = callerKeys[1]!;
    const half = PER_CALLER_PER_MINUTE / 2;
    const answers = await Promise.all(
      Array.from({ length: PER_CALLER_PER_MINUTE }, (_, i) =>
        chat(replicas[i < half ? 0 : 1]!, { key, content: `limit ${i}` }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(PER_CALLER_PER_MINUTE).fill(200));
    // Each replica saw only half the limit itself; the shared counter refuses the next call on both.
    expect((await chat(replicas[0]!, { key, content: "one more" })).status).toBe(429);
    expect((await chat(replicas[1]!, { key, content: "one more" })).status).toBe(429);
  });

  it("serves exactly what the payer's escrow covers across both replicas", async () => {
    const calls = PAID_CALLS_AFFORDED * 2 + 2;
    const answers = await Promise.all(
      Array.from({ length: calls }, (_, i) =>
        chat(replicas[i % 2]!, { key: payerKey, model: "pho-vi-paid", content: `paid ${i}` }),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([
      ...Array(PAID_CALLS_AFFORDED).fill(200),
      ...Array(calls - PAID_CALLS_AFFORDED).fill(402),
    ]);
    for (const a of answers.filter((x) => x.status === 200)) expect(BigInt(a.receipt!.fee)).toBe(PRICE);
  });

  const LOAD_WORKERS = 6;
  it("keeps serving when a replica is SIGKILLed under load, and commits every acknowledged receipt once", async () => {
    const [a, b] = replicas as [Replica, Replica];
    let killed = false;
    let servedByBAfterKill = 0;
    let answered = 0;
    let stop = false;
    let finished = false;
    const worker = async (w: number) => {
      const key = callerKeys[2 + w]!;
      for (let i = 0; !stop && i < PER_CALLER_PER_MINUTE - 2; i++) {
        const target = (w + i) % 2 === 0 ? a : b;
        try {
          const answer = await chat(target, { key, content: `load ${w}.${i}` });
          // Before or after the kill, an answer that came back is a success.
          expect(answer.status).toBe(200);
          answered++;
          if (killed && target === b) servedByBAfterKill++;
        } catch (error) {
          // Only calls to the killed replica may fail, and only at the connection.
          expect(target === a && killed, `call to ${target.name} failed: ${String(error)}`).toBe(true);
        }
        await sleep(20);
      }
    };
    const load = Promise.all(Array.from({ length: LOAD_WORKERS }, (_, w) => worker(w))).finally(
      () => (finished = true),
    );
    // Kill and stop by progress, not time: a fast machine finishes the load in under a second, a
    // loaded one takes many; the kill lands with about a third of the calls answered.
    const until = async (done: () => boolean) => {
      for (let waited = 0; !done() && !finished && waited < 60_000; waited += 10) await sleep(10);
    };
    await until(() => answered >= 30);
    killed = true;
    await a.process!.kill("SIGKILL");
    await until(() => servedByBAfterKill >= 5);
    stop = true;
    await load;
    expect(servedByBAfterKill).toBeGreaterThan(0);

    // A's acknowledged receipts wait in the shared database for A's key; A commits them on restart.
    await start(a);
    let backlog: { unbatchedReceipts: number; pendingBatches: number; expiredReceipts: number } | undefined;
    for (let i = 0; i < 160; i++) {
      const health = (await (await fetch(`${b.url}/health`)).json()) as { checks: { backlog: typeof backlog } };
      backlog = health.checks.backlog;
      if (backlog!.unbatchedReceipts === 0 && backlog!.pendingBatches === 0) break;
      await sleep(250);
    }
    expect(backlog).toMatchObject({ unbatchedReceipts: 0, pendingBatches: 0, expiredReceipts: 0 });

    const domain = { chainId: world.chain.chainId, ledger };
    const events = parseEventLogs({
      abi: usageLedgerAbi,
      eventName: "BatchSubmitted",
      logs: await pub().getLogs({ address: ledger, fromBlock: 0n }),
    });
    const committed = new Map<Hex, Address>();
    for (const replica of replicas) {
      const own = events.filter((e) => e.args.relayer === replica.address);
      expect(own.length).toBeGreaterThan(0);
      expect(own.map((e) => e.args.batchId)).toEqual(own.map((_, i) => BigInt(i + 1)));
      for (const event of own) {
        // Either replica serves any batch file: they share the database.
        const bytes = new Uint8Array(await (await fetch(event.args.dataURI.replace(replica.url, b.url))).arrayBuffer());
        expect(keccak256(bytes)).toBe(event.args.dataHash);
        const file = parseBatchFile(bytes);
        for (const r of file.receipts) {
          expect(hashReceipt(r.receipt, domain)).toBe(r.hash);
          // The reward pipeline counts a receipt only in a batch its own signer submitted.
          expect(await recoverReceiptSigner(r.receipt, r.signature, domain)).toBe(replica.address);
          expect(committed.has(r.hash), `receipt ${r.hash} is in two batches`).toBe(false);
          committed.set(r.hash, replica.address);
        }
      }
    }
    expect(new Set(acked.map((x) => x.hash)).size).toBe(acked.length);
    expect(acked.filter((x) => !committed.has(x.hash)).map((x) => x.hash)).toEqual([]);
    // A call A stored durably but was killed before answering is committed without an answer (its
    // client retries with the same idempotency key); at most one in flight per load worker, all A's.
    const unanswered = [...committed].filter(([hash]) => !acked.some((x) => x.hash === hash));
    expect(unanswered.length).toBeLessThanOrEqual(LOAD_WORKERS);
    for (const [, signer] of unanswered) expect(signer).toBe(a.address);
  }, 120_000);
});
