import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LongRunningKho, freePort, startKho } from "./helpers/long-running-kho";
import { assertBuilt, errorLine, runKho } from "./helpers/run-kho";

/** Process ids whose parent is `pid` (none when it has no children). */
function childPids(pid: number): number[] {
  try {
    return execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" })
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map(Number);
  } catch {
    return []; // ps exits 1 when nothing matches
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The request of the curl `kho dev` prints, as fetch arguments. */
function parsePrintedCurl(stdout: string): { url: string; headers: Record<string, string>; body: string } {
  const curl = /^ {2}curl -s (\S+) \\\n((?: {4}.*\\\n)*) {4}-d '(.*)'$/m.exec(stdout);
  if (!curl) throw new Error(`kho dev printed no curl command:\n${stdout}`);
  const headers: Record<string, string> = {};
  for (const [, name, value] of curl[2]!.matchAll(/-H "([^:"]+): ([^"]*)"/g)) headers[name!] = value!;
  return { url: curl[1]!, headers, body: curl[3]! };
}

describe("kho dev (built binary: a whole local network in the child process)", () => {
  let cwd: string;
  let dev: LongRunningKho | undefined;

  beforeAll(() => {
    assertBuilt();
    cwd = mkdtempSync(path.join(os.tmpdir(), "kho-dev-cli-"));
  });
  afterAll(() => {
    dev?.kill();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it("rejects bad ports with one sentence before starting anything", async () => {
    const [badChain, oneModelPort, badModelPort, badEpoch, shortEpoch, demoWithEpoch] = await Promise.all([
      runKho(["dev", "--chain-port", "99999"], { cwd }),
      runKho(["dev", "--model-ports", "8001"], { cwd }),
      runKho(["dev", "--model-ports", "8001,x"], { cwd }),
      runKho(["dev", "--epoch-length", "1 week"], { cwd }),
      runKho(["dev", "--epoch-length", "30s"], { cwd }),
      runKho(["dev", "--play-demo", "--epoch-length", "1h"], { cwd }),
    ]);
    expect([demoWithEpoch.code, errorLine(demoWithEpoch)]).toEqual([
      1,
      "kho: --play-demo plays the demo's 7-day epoch, so it cannot be combined with --epoch-length",
    ]);
    expect([badEpoch.code, errorLine(badEpoch)]).toEqual([
      1,
      'kho: --epoch-length must be a duration such as 1h, 30m, 7d or 3600 (seconds), got "1 week"',
    ]);
    expect([shortEpoch.code, errorLine(shortEpoch)]).toEqual([
      1,
      'kho: --epoch-length must be at least 60 seconds, got "30s"',
    ]);
    expect([badChain.code, errorLine(badChain)]).toEqual([
      1,
      'kho: --chain-port must be a port number from 0 to 65535, got "99999"',
    ]);
    expect([oneModelPort.code, errorLine(oneModelPort)]).toEqual([
      1,
      "kho: --model-ports takes two ports such as 8001,8002",
    ]);
    expect([badModelPort.code, errorLine(badModelPort)]).toEqual([
      1,
      'kho: --model-ports must be a port number from 0 to 65535, got "x"',
    ]);
    expect(existsSync(path.join(cwd, "deployments"))).toBe(false);
  });

  it("runs the network, serves the printed curl, answers kho commands from its cwd, and stops on SIGTERM", async () => {
    const [chainPort, relayerPort, localPort, genericPort, webPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    dev = startKho(
      [
        "dev",
        "--chain-port",
        String(chainPort),
        "--relayer-port",
        String(relayerPort),
        "--model-ports",
        `${localPort},${genericPort}`,
        "--web-port",
        String(webPort),
        "--epoch-length",
        "30m",
      ],
      { cwd },
    );
    await dev.waitForStdout(/^Press Ctrl-C to stop\.$/m, 50_000);
    const stdout = dev.stdout();
    const rpcUrl = `http://127.0.0.1:${chainPort}`;
    expect(stdout).toMatch(new RegExp(`^ {2}chain \\(JSON-RPC\\) +${rpcUrl} +chain id 31337$`, "m"));
    expect(stdout).toContain(`relayer            http://127.0.0.1:${relayerPort}/v1  (OpenAI-compatible)`);
    expect(stdout).toContain(`local model        http://127.0.0.1:${localPort}  (bep-viet-home-cooking`);
    expect(stdout).toContain(`generic model      http://127.0.0.1:${genericPort}  (generic-chef, 5 deployments)`);
    expect(stdout).toContain(`web page           http://127.0.0.1:${webPort}/  (communities, models`);
    const config = (await (await fetch(`http://127.0.0.1:${webPort}/api/config.json`)).json()) as {
      deployment: { chainId: number };
      rpcUrl: string;
    };
    expect(config.deployment.chainId).toBe(31337);
    expect(config.rpcUrl).toBe("/rpc");
    const key = /^API key \(app developer\): (\S+)$/m.exec(stdout)?.[1];
    expect(key).toBeDefined();

    const deploymentFile = path.join(cwd, "deployments", "31337.json");
    const deployment = JSON.parse(readFileSync(deploymentFile, "utf8")) as {
      chainId: unknown;
      epoch: { length: string; batchGracePeriod: string };
      escrow: { thawPeriod: string; settlementWindow: string };
    };
    expect(deployment.chainId).toBe(31337);
    // --epoch-length 30m: the 1-hour grace and 1-day settlement window shrink to one epoch; thaw covers all three.
    expect(deployment.epoch).toMatchObject({ length: "1800", batchGracePeriod: "1800" });
    expect(deployment.escrow).toMatchObject({ settlementWindow: "1800", thawPeriod: "5400" });
    expect(stdout).toMatch(/^ {2}reward epochs {6}30m each from \S+ {2}\(batch grace 30m\)$/m);

    // Which dev account plays which role, with its Hardhat index.
    expect(stdout).toMatch(/^ {2}deployer, governor, poster +0x[0-9a-fA-F]{40} {2}\(Hardhat account #0\)$/m);
    expect(stdout).toMatch(/^ {2}steward +0x[0-9a-fA-F]{40} {2}\(Hardhat account #2\)$/m);
    expect(stdout).toMatch(/^ {2}generic operator 5 +0x[0-9a-fA-F]{40} {2}\(Hardhat account #10\)$/m);
    expect(stdout).toMatch(/^ {2}app developer +0x[0-9a-fA-F]{40} {2}\(Hardhat account #13\)$/m);

    const curl = parsePrintedCurl(stdout);
    expect(curl.url).toBe(`http://127.0.0.1:${relayerPort}/v1/chat/completions`);
    expect(curl.headers.Authorization).toBe(`Bearer ${key}`);
    const response = await fetch(curl.url, { method: "POST", headers: curl.headers, body: curl.body });
    const completion = (await response.json()) as {
      model: string;
      choices: { message: { content: string } }[];
      kho_receipt: { hash: string; signature: string };
    };
    expect(response.status, JSON.stringify(completion)).toBe(200);
    expect(completion.model).toBe("bep-viet-home-cooking");
    expect(completion.choices[0]!.message.content).toMatch(/nồi đất/);
    expect(completion.kho_receipt.hash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(completion.kho_receipt.signature).toMatch(/^0x[0-9a-f]{130}$/);
    expect(response.headers.get("x-kho-receipt-hash")).toBe(completion.kho_receipt.hash);

    // The printed CLI hint carries --rpc-url (the port is not 8545); run it as printed, with no
    // --deployment: kho finds deployments/31337.json in the directory `kho dev` ran in.
    const hint = /^CLI against this network: {2}kho (.+) {3}\(add --json for scripts\)$/m.exec(stdout)?.[1];
    expect(hint).toBe(`--rpc-url ${rpcUrl} models list`);
    const listed = await runKho([...hint!.split(" "), "--json"], { cwd });
    expect(listed.code, listed.stderr).toBe(0);
    const page = JSON.parse(listed.stdout) as { items: { name: string; liveDeployments: string }[] };
    expect(page.items.map((m) => [m.name, m.liveDeployments])).toEqual([
      ["bep-viet-home-cooking", "1"],
      ["generic-chef", "5"],
    ]);

    // The printed `kho relayer keys create` works against the running relayer: its key is served.
    const create = /^Another API key: {11}kho (.+)$/m.exec(stdout)?.[1];
    expect(create).toMatch(/^relayer keys create --db \S+relayer\.sqlite --owner 0x[0-9a-fA-F]{40} --label "my app"$/);
    const created = await runKho([...create!.replace(' "my app"', "").split(" "), "my app", "--json"], { cwd });
    expect(created.code, created.stderr).toBe(0);
    const newKey = (JSON.parse(created.stdout) as { key: string }).key;
    const withNewKey = await fetch(curl.url, {
      method: "POST",
      headers: { ...curl.headers, Authorization: `Bearer ${newKey}` },
      body: curl.body,
    });
    expect(withNewKey.status, await withNewKey.text()).toBe(200);

    // SIGTERM (as a service manager or `docker stop` sends) stops everything within a few seconds.
    const children = childPids(dev.child.pid!);
    const stoppedAt = Date.now();
    const exit = await dev.stop("SIGTERM", 5_000);
    expect(exit, dev.stderr()).toEqual({ code: 0, signal: null });
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    expect(children.filter(isAlive)).toEqual([]);
    for (const port of [chainPort, localPort, genericPort, webPort]) {
      await expect(fetch(`http://127.0.0.1:${port}/`), `port ${port}`).rejects.toThrow();
    }
    // Progress goes to stderr, among the relayer's JSON log lines (which pino may flush later).
    expect(dev.stderr()).toMatch(/^shutting down$[\s\S]*^stopped$/m);
    await expect(fetch(`http://127.0.0.1:${relayerPort}/health`)).rejects.toThrow();
  });
});
