import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LongRunningKho, freePort, startKho } from "./helpers/long-running-kho";
import { assertBuilt, errorLine, runKho } from "./helpers/run-kho";

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
    const [badChain, oneModelPort, badModelPort] = await Promise.all([
      runKho(["dev", "--chain-port", "99999"], { cwd }),
      runKho(["dev", "--model-ports", "8001"], { cwd }),
      runKho(["dev", "--model-ports", "8001,x"], { cwd }),
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

  it("runs the network, serves the printed curl, answers kho commands from its cwd, and stops on SIGINT", async () => {
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
    expect((JSON.parse(readFileSync(deploymentFile, "utf8")) as { chainId: unknown }).chainId).toBe(31337);

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

    // No --deployment: kho finds deployments/31337.json in the directory `kho dev` ran in.
    const listed = await runKho(["models", "list", "--json"], { cwd, env: { KHO_RPC_URL: rpcUrl } });
    expect(listed.code, listed.stderr).toBe(0);
    const page = JSON.parse(listed.stdout) as { items: { name: string; liveDeployments: string }[] };
    expect(page.items.map((m) => [m.name, m.liveDeployments])).toEqual([
      ["bep-viet-home-cooking", "1"],
      ["generic-chef", "5"],
    ]);

    const exit = await dev.stop("SIGINT", 20_000);
    expect(exit, dev.stderr()).toEqual({ code: 0, signal: null });
    // Progress goes to stderr, among the relayer's JSON log lines (which pino may flush later).
    expect(dev.stderr()).toMatch(/^shutting down$[\s\S]*^stopped$/m);
    await expect(fetch(`http://127.0.0.1:${relayerPort}/health`)).rejects.toThrow();
  });
});
