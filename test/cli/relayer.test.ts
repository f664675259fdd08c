import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usageLedgerAbi } from "../../src/protocol";
import { type KhoDevnet, startKhoDevnet } from "../sdk/helpers/kho-devnet";
import { assertBuilt, cliWorkdir, errorLine, runKho } from "./helpers/run-kho";

const OWNER = "0x00000000000000000000000000000000000000Aa";
const OTHER = "0x00000000000000000000000000000000000000bB";
const KEY = /^kho_[A-Za-z0-9_-]{43}$/;

type KeyJson = {
  id: string;
  prefix: string;
  owner: string;
  label: string;
  createdAt: number;
  revokedAt: number | null;
};

describe("kho relayer keys (built binary)", () => {
  let cwd: string;
  const kho = (args: string[], env: Record<string, string> = {}) => runKho(args, { cwd, env });

  beforeAll(() => {
    assertBuilt();
    cwd = mkdtempSync(path.join(os.tmpdir(), "kho-cli-relayer-"));
  });
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it("creates a key in .kho/relayer.sqlite, shows it once, and lists it without the secret", async () => {
    const created = await kho(["relayer", "keys", "create", "--owner", OWNER, "--label", "home app"]);
    expect(created.code).toBe(0);
    const [header, key, ...rest] = created.stdout.split("\n");
    expect(header).toMatch(
      /^Created API key key_[0-9a-f]{16} for 0x00000000000000000000000000000000000000AA \(home app\):$/,
    );
    expect(key).toMatch(KEY);
    expect(rest).toEqual([""]);
    expect(created.stderr).toBe(
      "This is the only time the key is shown: store it now. The relayer keeps only its hash.\n",
    );
    expect(existsSync(path.join(cwd, ".kho", "relayer.sqlite"))).toBe(true);

    const list = await kho(["relayer", "keys", "list"]);
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^id\s+prefix\s+owner\s+label\s+created\s+status$/);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toContain("home app");
    expect(lines[2]).toMatch(/active$/);
    expect(lines[2]).toContain(`${key!.slice(0, 12)}…`);
    expect(list.stdout).not.toContain(key!);
  });

  it("prints JSON with --json, filters by owner, and honors KHO_RELAYER_DB and --db", async () => {
    const env = { KHO_RELAYER_DB: "state/keys.sqlite" };
    const a = await kho(["--json", "relayer", "keys", "create", "--owner", OWNER, "--label", "a"], env);
    const b = await kho(["relayer", "keys", "create", "--owner", OTHER, "--label", "b", "--json"], env);
    expect([a.code, b.code]).toEqual([0, 0]);
    const createdA = JSON.parse(a.stdout) as KeyJson & { key: string };
    expect(createdA).toEqual({
      id: expect.stringMatching(/^key_[0-9a-f]{16}$/),
      prefix: createdA.key.slice(0, 12),
      owner: "0x00000000000000000000000000000000000000AA",
      label: "a",
      createdAt: expect.any(Number),
      revokedAt: null,
      key: expect.stringMatching(KEY),
    });
    expect(a.stderr).toMatch(/only time the key is shown/);

    const all = JSON.parse((await kho(["relayer", "keys", "list", "--json"], env)).stdout) as KeyJson[];
    // Listed by creation time, then id (two keys made in the same second come in id order).
    expect(all.map((k) => k.label).sort()).toEqual(["a", "b"]);
    const order = (k: KeyJson) => `${String(k.createdAt).padStart(12, "0")} ${k.id}`;
    expect(all.map(order)).toEqual(all.map(order).sort());
    expect(all.every((k) => !("key" in k))).toBe(true);
    const mine = await kho(["relayer", "keys", "list", "--owner", OTHER.toLowerCase(), "--json"], env);
    expect((JSON.parse(mine.stdout) as KeyJson[]).map((k) => k.label)).toEqual(["b"]);
    // --db wins over the environment: the default database holds only the first test's key.
    const viaFlag = await kho(["relayer", "keys", "list", "--json", "--db", ".kho/relayer.sqlite"], env);
    expect((JSON.parse(viaFlag.stdout) as KeyJson[]).map((k) => k.label)).toEqual(["home app"]);

    const revoked = await kho(["relayer", "keys", "revoke", createdA.id, "--json"], env);
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ id: createdA.id, revokedAt: expect.any(Number) });
    const after = JSON.parse((await kho(["relayer", "keys", "list", "--json"], env)).stdout) as KeyJson[];
    expect(Object.fromEntries(after.map((k) => [k.label, k.revokedAt === null]))).toEqual({ a: false, b: true });
  });

  it("revokes a key by id, in words", async () => {
    const created = await kho(["--json", "relayer", "keys", "create", "--owner", OWNER, "--label", "old"]);
    const { id } = JSON.parse(created.stdout) as KeyJson;
    const revoked = await kho(["relayer", "keys", "revoke", id]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toBe(`Revoked API key ${id} (old, owner 0x00000000000000000000000000000000000000AA).\n`);
    const list = await kho(["relayer", "keys", "list"]);
    expect(list.stdout.split("\n").find((l) => l.startsWith(id))).toMatch(/revoked \d{4}-\d\d-\d\dT[\d:]+Z$/);
    const again = await kho(["relayer", "keys", "revoke", id]);
    expect([again.code, errorLine(again)]).toEqual([1, `kho: API key ${id} is already revoked`]);
  });

  it("fails with one clear sentence on bad input", async () => {
    const cases: [string[], string][] = [
      [["relayer", "keys", "create", "--owner", "0x12", "--label", "x"], 'kho: owner "0x12" is not an address'],
      [
        ["relayer", "keys", "create", "--owner", OWNER, "--label", " "],
        "kho: API key label must be 1 to 100 characters",
      ],
      [["relayer", "keys", "list", "--owner", "alice"], 'kho: owner "alice" is not an address'],
      [["relayer", "keys", "revoke", "key_0000000000000000"], "kho: there is no API key key_0000000000000000"],
      [["relayer", "keys", "revoke", "nope"], 'kho: "nope" is not an API key id (key_ followed by 16 hex digits)'],
      [
        ["relayer", "keys", "list", "--db", "missing.sqlite"],
        `kho: there is no relayer database at ${path.join(cwd, "missing.sqlite")}: pass --db <file> or set KHO_RELAYER_DB, or create a key first`,
      ],
      [["relayer", "keys", "create", "--owner", OWNER], "kho: required option '--label <text>' not specified"],
    ];
    const runs = await Promise.all(cases.map(([args]) => kho(args)));
    runs.forEach((run, i) => {
      expect(run.code, cases[i]![1]).toBe(1);
      expect(errorLine(run)).toBe(cases[i]![1]);
      expect(run.stdout).toBe("");
    });
    expect(existsSync(path.join(cwd, "missing.sqlite"))).toBe(false);
  });

  it("refuses to start with one line per bad variable", async () => {
    // KHO_RPC_URL has the same default as every command (http://127.0.0.1:8545), so it is not missing.
    const missing = await kho(["relayer", "start"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      ["kho: KHO_RELAYER_PRIVATE_KEY is required.", "kho: KHO_USER_ID_SALT is required.", ""].join("\n"),
    );
    const bad = await kho(["relayer", "start"], {
      KHO_RPC_URL: "ftp://chain",
      KHO_RELAYER_PRIVATE_KEY: "0x1234",
      KHO_USER_ID_SALT: `0x${"11".repeat(32)}`,
      KHO_RELAYER_PORT: "99999",
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr.trimEnd().split("\n")).toEqual([
      "kho: KHO_RPC_URL must be an http(s) or ws(s) JSON-RPC URL.",
      "kho: KHO_RELAYER_PRIVATE_KEY must be a private key: 0x followed by 64 hex digits.",
      "kho: KHO_RELAYER_PORT must be at most 65535.",
    ]);
    const noContracts = await kho(["relayer", "start"], {
      KHO_RPC_URL: "http://127.0.0.1:1",
      KHO_RELAYER_PRIVATE_KEY: `0x${"11".repeat(32)}`,
      KHO_USER_ID_SALT: `0x${"11".repeat(32)}`,
    });
    expect([noContracts.code, errorLine(noContracts)]).toEqual([
      1,
      "kho: KHO_DEPLOYMENT_FILE is required unless KHO_USAGE_LEDGER_ADDRESS, KHO_MODEL_REGISTRY_ADDRESS and KHO_FEE_ESCROW_ADDRESS are all set.",
    ]);
  });

  it("resolves --rpc-url and --deployment before the environment, like every command", async () => {
    const secrets = { KHO_RELAYER_PRIVATE_KEY: `0x${"11".repeat(32)}`, KHO_USER_ID_SALT: `0x${"11".repeat(32)}` };
    const flagWins = await kho(["--rpc-url", "ftp://from-flag", "relayer", "start"], {
      ...secrets,
      KHO_RPC_URL: "http://127.0.0.1:1",
    });
    expect([flagWins.code, errorLine(flagWins)]).toEqual([
      1,
      "kho: KHO_RPC_URL must be an http(s) or ws(s) JSON-RPC URL.",
    ]);
    const deploymentFlag = await kho(["--deployment", "nowhere.json", "relayer", "start"], {
      ...secrets,
      KHO_DEPLOYMENT_FILE: "also-nowhere.json",
    });
    expect(errorLine(deploymentFlag)).toBe(
      `kho: KHO_DEPLOYMENT_FILE ${path.join(cwd, "nowhere.json")} could not be read as JSON.`,
    );
  });
});

describe("kho relayer start (built binary against a local chain)", () => {
  let devnet: KhoDevnet;
  let cwd: string;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    assertBuilt();
    devnet = await startKhoDevnet();
    cwd = await cliWorkdir(devnet);
    const admin = devnet.client(0);
    const hash = await admin.wallet!.writeContract({
      address: devnet.deployment.contracts.UsageLedger,
      abi: usageLedgerAbi,
      functionName: "addRelayer",
      args: [devnet.accounts[1]!.address],
    });
    await admin.public.waitForTransactionReceipt({ hash });
  });
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await devnet?.close();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it("starts from the environment, prints its URL, and stops cleanly on SIGTERM", async () => {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("KHO_") && k !== "NODE_OPTIONS") env[k] = v;
    Object.assign(env, {
      KHO_RPC_URL: devnet.chain.rpcUrl,
      KHO_DEPLOYMENT_FILE: `deployments/${devnet.chain.chainId}.json`,
      KHO_RELAYER_PRIVATE_KEY: devnet.accounts[1]!.privateKey,
      KHO_USER_ID_SALT: `0x${"11".repeat(32)}`,
      KHO_RELAYER_PORT: "0",
      KHO_SIGNER_THREADS: "1",
      KHO_LOG_LEVEL: "silent",
    });
    const proc = spawn(process.execPath, [path.resolve(__dirname, "..", "..", "bin", "kho.js"), "relayer", "start"], {
      cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    let stderr = "";
    proc.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      proc.stdout.setEncoding("utf8").on("data", (c: string) => {
        out += c;
        const match = /^Kho relayer listening on (http:\/\/127\.0\.0\.1:\d+) \(Ctrl-C stops it\)\.$/m.exec(out);
        if (match) resolve(match[1]!);
      });
      void exited.then((code) => reject(new Error(`kho relayer start exited with ${code}: ${stderr}`)));
    });
    const health = (await (await fetch(`${url}/health`)).json()) as { checks: { signer: { address: string } } };
    expect(health.checks.signer.address).toBe(devnet.accounts[1]!.address);
    // The CLI manages keys in the database the running relayer uses.
    const list = await runKho(["relayer", "keys", "list", "--json"], { cwd });
    expect([list.code, JSON.parse(list.stdout)]).toEqual([0, []]);

    proc.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(stderr).toBe("");
  });
});
