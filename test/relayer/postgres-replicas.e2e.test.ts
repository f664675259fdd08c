import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  type Address,
  type Hex,
  createPublicClient,
  createWalletClient,
  http,
  keccak256,
  parseEventLogs,
  parseUnits,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../src/devnet/free-port";
import { type LocalChain, startLocalChain } from "../../src/devnet/local-chain";
import {
  type KhoReceiptJson,
  communityRegistryAbi,
  feeEscrowAbi,
  hashReceipt,
  khoTokenAbi,
  modelRegistryAbi,
  parseBatchFile,
  recoverReceiptSigner,
  usageLedgerAbi,
} from "../../src/protocol";
import { createApiKey } from "../../src/relayer/auth/api-keys";
import { type RelayerStore, openStore } from "../../src/relayer/store";
import { type PostgresCluster, startPostgresCluster } from "./helpers/postgres-cluster";
import { type RelayerProcess, startRelayerProcess } from "./helpers/relayer-process";
import { type StubUpstream, startStubUpstream } from "./helpers/stub-upstream";

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

type Replica = { name: "A" | "B"; key: Hex; address: Address; port: number; url: string; process?: RelayerProcess };
type ChatAnswer = { status: number; receipt?: KhoReceiptJson; replayed: boolean };

describe("relayer replicas on PostgreSQL", () => {
  let cluster: PostgresCluster;
  let dbUrl: string;
  let chain: LocalChain;
  let upstream: StubUpstream;
  let dir: string;
  let ledger: Address;
  let env: Record<string, string>;
  let payerKey: string;
  const callerKeys: string[] = [];
  const replicas: Replica[] = [];
  const acked: KhoReceiptJson[] = [];
  const pub = () => createPublicClient({ transport: http(chain.rpcUrl) });

  beforeAll(async () => {
    // No skip: a machine without PostgreSQL fails here, saying which package to install.
    cluster = await startPostgresCluster();
    dbUrl = await cluster.createDatabase("kho_relayer");
    upstream = await startStubUpstream();
    chain = await startLocalChain({ deploy: {} });
    const [deployerKey, relayerA, , payer, , relayerB] = chain.accounts;
    const { contracts } = chain.deployment!;
    ledger = contracts.UsageLedger;
    const chainDef = {
      id: chain.chainId,
      name: "local",
      nativeCurrency: { name: "ETH", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [chain.rpcUrl] } },
    } as const;
    const walletOf = (privateKey: Hex) =>
      createWalletClient({ account: privateKeyToAccount(privateKey), chain: chainDef, transport: http(chain.rpcUrl) });
    const deployer = walletOf(deployerKey!.privateKey);
    const payerWallet = walletOf(payer!.privateKey);
    const send = async (hash: Hex) => {
      expect((await pub().waitForTransactionReceipt({ hash })).status).toBe("success");
    };
    // Each replica signs with its own key, and each key holds the relayer role.
    for (const key of [relayerA!, relayerB!]) {
      await send(
        await deployer.writeContract({
          address: ledger,
          abi: usageLedgerAbi,
          functionName: "addRelayer",
          args: [key.address],
        }),
      );
    }
    await send(
      await deployer.writeContract({
        address: contracts.CommunityRegistry,
        abi: communityRegistryAbi,
        functionName: "createCommunity",
        args: ["vi-VN/home-cooking", "vi-VN", "ipfs://community"],
      }),
    );
    for (const name of ["pho-vi", "pho-vi-paid"]) {
      await send(
        await deployer.writeContract({
          address: contracts.ModelRegistry,
          abi: modelRegistryAbi,
          functionName: "registerModel",
          args: [name, "vi-VN", 1n, "ipfs://card", keccak256("0x01")],
        }),
      );
    }
    await send(
      await deployer.writeContract({
        address: contracts.ModelRegistry,
        abi: modelRegistryAbi,
        functionName: "setPrice",
        args: [2n, PRICE],
      }),
    );
    for (const modelId of [1n, 2n]) {
      await send(
        await deployer.writeContract({
          address: contracts.ModelRegistry,
          abi: modelRegistryAbi,
          functionName: "addDeployment",
          args: [modelId, deployerKey!.address, upstream.url],
        }),
      );
    }
    const budget = PRICE * BigInt(PAID_CALLS_AFFORDED);
    await send(
      await deployer.writeContract({
        address: contracts.KhoToken,
        abi: khoTokenAbi,
        functionName: "mint",
        args: [payer!.address, budget],
      }),
    );
    await send(
      await payerWallet.writeContract({
        address: contracts.KhoToken,
        abi: khoTokenAbi,
        functionName: "approve",
        args: [contracts.FeeEscrow, budget],
      }),
    );
    await send(
      await payerWallet.writeContract({
        address: contracts.FeeEscrow,
        abi: feeEscrowAbi,
        functionName: "deposit",
        args: [budget],
      }),
    );

    // Keys are issued once, in the shared database, and work on every replica.
    const store: RelayerStore = await openStore(dbUrl);
    try {
      payerKey = (await createApiKey(store, { owner: payer!.address, label: "payer" })).key;
      for (let i = 0; i < 8; i++) {
        callerKeys.push((await createApiKey(store, { owner: deployerKey!.address, label: `caller ${i}` })).key);
      }
    } finally {
      await store.close();
    }

    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kho-replicas-"));
    env = {
      KHO_RPC_URL: chain.rpcUrl,
      KHO_CHAIN_ID: String(chain.chainId),
      KHO_USAGE_LEDGER_ADDRESS: ledger,
      KHO_MODEL_REGISTRY_ADDRESS: contracts.ModelRegistry,
      KHO_FEE_ESCROW_ADDRESS: contracts.FeeEscrow,
      KHO_RELAYER_DB: dbUrl,
      KHO_RELAYER_HOST: "127.0.0.1",
      KHO_USER_ID_SALT: `0x${"44".repeat(32)}`,
      KHO_BATCH_MAX_RECEIPTS: "8",
      KHO_BATCH_MAX_AGE_SECONDS: "1",
      KHO_ALLOW_LOOPBACK_UPSTREAMS: "true",
      KHO_RATE_LIMIT_PER_MINUTE: String(PER_CALLER_PER_MINUTE),
      KHO_IP_RATE_LIMIT_PER_MINUTE: "1000000",
      KHO_SIGNER_THREADS: "1",
      KHO_LOG_LEVEL: "info",
    };
    for (const [name, account] of [
      ["A", relayerA!],
      ["B", relayerB!],
    ] as const) {
      const port = await freePort();
      replicas.push({ name, key: account.privateKey, address: account.address, port, url: `http://127.0.0.1:${port}` });
    }
    await Promise.all(replicas.map(start));
  }, 240_000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.process?.kill("SIGKILL")));
    await upstream?.close();
    await chain?.close();
    await cluster?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function start(replica: Replica): Promise<void> {
    replica.process = await startRelayerProcess({
      cwd: dir,
      // ts-node compiles the relayer on start: slow on a machine shared with other test files.
      readyTimeoutMs: 90_000,
      env: {
        ...env,
        KHO_RELAYER_PRIVATE_KEY: replica.key,
        KHO_RELAYER_PORT: String(replica.port),
        KHO_RELAYER_PUBLIC_URL: replica.url,
      },
    });
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
    const store = await openStore(dbUrl);
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

    const domain = { chainId: chain.chainId, ledger };
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
