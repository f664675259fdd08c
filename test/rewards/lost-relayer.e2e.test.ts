import { existsSync, readFileSync, rmSync } from "node:fs";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import pino from "pino";
import { type Hex, keccak256, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main";
import { freePort } from "../../src/devnet/free-port";
import { serializeDeployment } from "../../src/protocol/deployment";
import { parseMirrorList } from "../../src/protocol/mirror";
import type { RelayerConfig } from "../../src/relayer/config";
import { type RunningRelayer, startRelayer } from "../../src/relayer/server";
import { addDeployment, balanceOf, createRelayerClient, getBatch, removeDeployment } from "../../src/sdk";
import { type StubUpstream, startStubUpstream } from "../relayer/helpers/stub-upstream";
import { GRACE, ROLE, type RewardsWorld, TIMELOCK, startRewardsWorld } from "./helpers/rewards-world";

/** A real HTTP mirror on loopback: stores PUT bodies by path, serves them to GET and HEAD. */
type PutMirror = { url: string; files: Map<string, Buffer>; refuse: boolean; close(): Promise<void> };

async function startPutMirror(): Promise<PutMirror> {
  const mirror: Partial<PutMirror> = { files: new Map(), refuse: false };
  const server = http.createServer((req, res) => {
    const name = (req.url ?? "/").replace(/^\/kho\//, "");
    if (req.method === "PUT") {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        if (mirror.refuse) {
          res.writeHead(503).end();
          return;
        }
        mirror.files!.set(name, Buffer.concat(chunks));
        res.writeHead(201).end();
      });
      return;
    }
    const file = mirror.files!.get(name);
    if (file === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": file.length });
    res.end(req.method === "HEAD" ? undefined : file);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  mirror.url = `http://127.0.0.1:${port}/kho`;
  mirror.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return mirror as PutMirror;
}

type Run = { code: number; stdout: string; stderr: string };

describe("batch data outlives its relayer through mirrors", () => {
  let world: RewardsWorld;
  let upstream: StubUpstream;
  let httpMirror: PutMirror;
  let mirrorDir: string;
  let relayer: RunningRelayer;
  let config: RelayerConfig;
  const dataHashes: Hex[] = [];
  let rootBefore: string;

  /** `kho …` in this process (the chain lives here too), in the world's directory. */
  async function kho(args: string[], signer?: number): Promise<Run> {
    let stdout = "";
    let stderr = "";
    const previous = process.exitCode;
    process.exitCode = 0;
    await main(["node", "kho", ...args], {
      cwd: world.dir,
      env: {
        KHO_RPC_URL: world.chain.rpcUrl,
        ...(signer === undefined ? {} : { KHO_PRIVATE_KEY: world.chain.accounts[signer]!.privateKey }),
      },
      io: { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) },
    });
    const code = Number(process.exitCode ?? 0);
    process.exitCode = previous;
    return { code, stdout, stderr };
  }

  const mirrorFlags = () => ["--mirror", `dir:${mirrorDir}`, "--mirror", httpMirror.url];

  let nonce = 0n;
  /** A call signed by a member's own wallet: members' usage is what earns rewards (free, pseudonymous calls earn none). */
  async function call(role: number): Promise<void> {
    const members = createRelayerClient({
      baseUrl: relayer.url,
      domain: { chainId: world.chain.chainId, ledger: world.deployment.contracts.UsageLedger },
    });
    nonce += 1n;
    const { receipt } = await members.chatCompletion({
      model: "ca-kho-7b",
      messages: [{ role: "user", content: "Cá kho thế nào?" }],
      wallet: {
        account: privateKeyToAccount(world.chain.accounts[role]!.privateKey),
        nonce,
        deadline: (await world.chain.latestTimestamp()) + 3600n,
        maxFee: 0n,
      },
    });
    expect(receipt.receipt.payer).toBe(world.address(role));
  }

  /** Ticks the publisher until no mirror has a file waiting (retries back off by seconds). */
  async function untilMirrored(): Promise<void> {
    for (let i = 0; i < 40; i++) {
      await relayer.mirrors.tick();
      if (relayer.mirrors.status().every((s) => s.pending === 0)) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`mirrors still pending: ${JSON.stringify(relayer.mirrors.status())}`);
  }

  beforeAll(async () => {
    world = await startRewardsWorld();
    upstream = await startStubUpstream();
    httpMirror = await startPutMirror();
    mirrorDir = path.join(world.dir, "mirror");
    // The world's deployment points nowhere; calls go to a live stub instead.
    const builder = world.client(ROLE.builder);
    await removeDeployment(builder, { deploymentId: world.deploymentId });
    await addDeployment(builder, {
      modelId: world.modelId,
      operator: world.address(ROLE.operator),
      endpoint: upstream.url,
    });
    await mkdir(path.join(world.dir, "deployments"));
    await writeFile(
      path.join(world.dir, "deployments", `${world.chain.chainId}.json`),
      JSON.stringify(serializeDeployment(world.deployment)),
    );

    const port = await freePort();
    const contracts = world.deployment.contracts;
    config = {
      rpcUrl: world.chain.rpcUrl,
      chainId: world.chain.chainId,
      contracts: {
        usageLedger: contracts.UsageLedger,
        modelRegistry: contracts.ModelRegistry,
        feeEscrow: contracts.FeeEscrow,
      },
      relayerPrivateKey: world.chain.accounts[ROLE.relayer]!.privateKey,
      dbPath: path.join(world.dir, "relayer", "relayer.sqlite"),
      host: "127.0.0.1",
      port,
      publicUrl: `http://127.0.0.1:${port}`,
      userIdSalt: `0x${"33".repeat(32)}`,
      batch: { maxReceipts: 256, maxAgeSeconds: 3600 },
      upstream: { timeoutMs: 15_000, maxResponseBytes: 1 << 20, allowLoopback: true },
      maxBodyBytes: 1 << 20,
      rateLimit: { perCallerPerMinute: 1000, perIpPerMinute: 1000 },
      signerThreads: 1,
      minSignerBalanceWei: 0n,
      modelCacheTtlSeconds: 30,
      escrowBalanceCacheMs: 1_000,
      batchMirrors: parseMirrorList([`dir:${mirrorDir}`, httpMirror.url]),
      logLevel: "silent",
    };
    relayer = await startRelayer(config, {
      logger: pino({ level: process.env.KHO_TEST_LOG_LEVEL ?? "silent" }),
      batcherTickMs: 60_000,
    });
  }, 300_000);

  afterAll(async () => {
    await relayer?.close();
    await upstream?.close();
    await httpMirror?.close();
    await world?.close();
  });

  it("copies each committed batch file to a directory and an HTTP mirror; a refused upload is retried and reported", async () => {
    httpMirror.refuse = true;
    await call(ROLE.alice);
    await call(ROLE.bob);
    await relayer.batcher.flush();
    // Committing never waits for mirrors: batch 1 is on chain while the HTTP mirror refuses it.
    const first = await getBatch(world.client(), { relayer: world.address(ROLE.relayer), batchId: 1n });
    dataHashes.push(first.dataHash);
    await relayer.mirrors.tick();
    const health = (await (await fetch(`${relayer.url}/health`)).json()) as { status: string; reasons: string[] };
    expect(health.status).toBe("degraded");
    expect(health.reasons).toContain(
      `1 batch file(s) are not yet on mirror ${httpMirror.url} (last upload failed: ${httpMirror.url} refused ${first.dataHash} with HTTP 503.)`,
    );
    const metrics = await (await fetch(`${relayer.url}/metrics`)).text();
    expect(metrics).toContain(`kho_relayer_mirror_uploads_total{mirror="${httpMirror.url}",outcome="failed"} 1`);
    expect(metrics).toContain(`kho_relayer_mirror_pending_files{mirror="${httpMirror.url}"} 1`);
    expect(metrics).toContain(`kho_relayer_mirror_pending_files{mirror="dir:${mirrorDir}"} 0`);

    httpMirror.refuse = false;
    await untilMirrored();
    await call(ROLE.alice);
    await relayer.batcher.flush();
    const second = await getBatch(world.client(), { relayer: world.address(ROLE.relayer), batchId: 2n });
    dataHashes.push(second.dataHash);
    await untilMirrored();

    for (const hash of dataHashes) {
      const fromRelayer = readFileSync(path.join(mirrorDir, hash));
      expect(keccak256(fromRelayer)).toBe(hash);
      expect(keccak256(httpMirror.files.get(hash)!)).toBe(hash);
    }
    expect((await readdir(mirrorDir)).sort()).toEqual([...dataHashes].sort());
    const after = (await (await fetch(`${relayer.url}/metrics`)).text()).match(
      new RegExp(`kho_relayer_mirror_uploads_total\\{mirror="${httpMirror.url}",outcome="stored"\\} (\\d+)`),
    );
    expect(after?.[1]).toBe("2");
  }, 180_000);

  it("computes the same epoch from mirrors once the relayer and its database are gone, refusing a tampered copy", async () => {
    await world.chain.setTime(world.epochStart(1n) + GRACE + 1n);
    const before = await kho(["--json", "rewards", "compute", "--epoch", "0", "--budget", "100", "--out", "before"]);
    expect(before.code, before.stderr).toBe(0);
    rootBefore = (JSON.parse(before.stdout) as { root: string }).root;
    expect(rootBefore).toMatch(/^0x[0-9a-f]{64}$/);

    await relayer.close();
    rmSync(path.dirname(config.dbPath), { recursive: true, force: true });
    expect(existsSync(config.dbPath)).toBe(false);

    const stranded = await kho(["rewards", "compute", "--epoch", "0", "--budget", "100", "--out", "stranded"]);
    expect(stranded.code).toBe(1);
    expect(stranded.stderr).toMatch(
      /kho: Batch 1 of relayer 0x[0-9a-fA-F]{40} is unavailable: Cannot fetch http:\/\/127\.0\.0\.1:\d+\/v1\/batches\//,
    );

    // The directory mirror now serves batch 2's bytes under batch 1's name.
    await writeFile(path.join(mirrorDir, dataHashes[0]!), readFileSync(path.join(mirrorDir, dataHashes[1]!)));
    const after = await kho([
      "--json",
      "rewards",
      "compute",
      "--epoch",
      "0",
      "--budget",
      "100",
      "--out",
      "epochs",
      ...mirrorFlags(),
    ]);
    expect(after.code, after.stderr).toBe(0);
    expect((JSON.parse(after.stdout) as { root: string }).root).toBe(rootBefore);
    expect(after.stderr).toContain(
      `mirror dir:${mirrorDir} failed for the batch file 1 of relayer ${world.address(ROLE.relayer)}: the file does not hash to the dataHash committed on chain.`,
    );
    expect(readFileSync(path.join(world.dir, "epochs", "0", "tree.json"))).toEqual(
      readFileSync(path.join(world.dir, "before", "0", "tree.json")),
    );

    const published = await kho(
      ["rewards", "publish", "--epoch", "0", "--data-uri", "file:///nonexistent/kho/tree.json", ...mirrorFlags()],
      ROLE.admin,
    );
    expect(published.code, published.stderr).toBe(0);
    expect(keccak256(httpMirror.files.get(rootBefore)!)).toBe(
      keccak256(readFileSync(path.join(world.dir, "epochs", "0", "tree.json"))),
    );
    const verified = await kho(["rewards", "verify", "--epoch", "0", ...mirrorFlags()]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toBe(`equal: The pending root ${rootBefore} equals the recomputed root.\n`);
  }, 300_000);

  it("lets holders read the accepted tree from a mirror when its data URI is gone, skipping a tampered copy", async () => {
    await world.chain.setTime((await world.chain.latestTimestamp()) + TIMELOCK + 1n);
    expect((await kho(["rewards", "accept"], ROLE.carol)).code).toBe(0);
    const builder = world.address(ROLE.builder);
    const withoutMirror = await kho(["rewards", "show", "--account", builder]);
    expect(withoutMirror.code).toBe(1);
    expect(withoutMirror.stderr).toContain("file:///nonexistent/kho/tree.json cannot be read");

    await writeFile(path.join(mirrorDir, rootBefore), "{}");
    const shown = await kho(["--json", "rewards", "show", "--account", builder, ...mirrorFlags()]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stderr).toMatch(
      new RegExp(`^mirror dir:${mirrorDir} failed for the reward tree: not a valid reward tree`, "m"),
    );
    const status = JSON.parse(shown.stdout) as { claimable: string };
    expect(parseEther(status.claimable)).toBeGreaterThan(0n);

    const balance = await balanceOf(world.client(), { account: builder });
    const claimed = await kho(["rewards", "claim", "--account", builder, ...mirrorFlags()], ROLE.carol);
    expect(claimed.code, claimed.stderr).toBe(0);
    expect((await balanceOf(world.client(), { account: builder })) - balance).toBe(parseEther(status.claimable));
  }, 180_000);
});
