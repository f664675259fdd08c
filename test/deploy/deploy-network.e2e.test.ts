import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { type Hex, bytesToHex, createPublicClient, http } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { communityRegistryAbi, feeEscrowAbi, usageLedgerAbi } from "../../src/protocol/abis";
import { loadDeployment } from "../../src/protocol/deployment";
import { freePort } from "../../src/devnet/free-port";
import { readParametersFile } from "../../src/deploy/parameters-file";

const ROOT = path.resolve(__dirname, "..", "..");
const HARDHAT = path.join(ROOT, "node_modules", ".bin", "hardhat");
const MNEMONIC = "test test test test test test test test test test test junk";
const run = promisify(execFile);

/** Hardhat's default accounts, as every `hardhat node` funds them. */
const accounts = [0, 1, 2, 3, 4].map((addressIndex) => {
  const account = mnemonicToAccount(MNEMONIC, { addressIndex });
  return { address: account.address, privateKey: bytesToHex(account.getHdKey().privateKey!) as Hex };
});

type Node = { url: string; process: ChildProcess };

/** A separate `hardhat node` on loopback: the "public chain" the deploy path talks to over JSON-RPC. */
async function startNode(): Promise<Node> {
  const port = await freePort();
  const child = spawn(HARDHAT, ["node", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  await new Promise<void>((resolve, reject) => {
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Started HTTP")) resolve();
    });
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("exit", (code) => reject(new Error(`hardhat node exited with ${code}: ${output}`)));
  });
  return { url: `http://127.0.0.1:${port}`, process: child };
}

/** Environment without the caller's KHO_* settings, so only what each test sets reaches the deploy. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("KHO_")));
  return { ...env, ...extra };
}

/** Runs `npm run deploy -- --network remote` against `node`, as a user would. */
async function deploy(node: Node, extra: Record<string, string>): Promise<{ code: number; output: string }> {
  const env = cleanEnv({
    KHO_RPC_URL: node.url,
    KHO_CHAIN_ID: "31337",
    KHO_PRIVATE_KEY: accounts[0]!.privateKey,
    ...extra,
  });
  try {
    const { stdout, stderr } = await run("npm", ["run", "--silent", "deploy", "--", "--network", "remote"], {
      cwd: ROOT,
      env,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, output: failure.stdout + failure.stderr };
  }
}

async function genesisBlockHash(url: string): Promise<Hex> {
  const client = createPublicClient({ transport: http(url) });
  return (await client.getBlock({ blockNumber: 0n })).hash;
}

describe("npm run deploy against a separate node playing a public chain", () => {
  const nodes: Node[] = [];
  let dir: string;
  let parametersFile: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "kho-deploy-"));
    // The documented example, with roles the local node's accounts hold and a current genesis.
    const example = JSON.parse(await readFile(path.join(ROOT, "ignition", "parameters.example.json"), "utf8"));
    example.Kho.admin = accounts[0]!.address;
    example.Kho.poster = accounts[1]!.address;
    example.Kho.guardian = accounts[2]!.address;
    example.Kho.governor = accounts[3]!.address;
    example.Kho.genesis = Math.floor(Date.now() / 3_600_000) * 3600;
    example.Kho.epochLength = 7200;
    example.Kho.thawPeriod = 7200 + 3600 + 86400;
    example.KhoWithRelayer.relayer = accounts[4]!.address;
    parametersFile = path.join(dir, "parameters.json");
    await writeFile(parametersFile, JSON.stringify(example));
  }, 30_000);

  afterAll(async () => {
    for (const node of nodes) {
      const hash = await genesisBlockHash(node.url).catch(() => undefined);
      node.process.kill();
      // The Ignition journals these deployments left in the repository's ignition/deployments.
      if (hash)
        await rm(path.join(ROOT, "ignition", "deployments", `remote-31337-${hash.slice(2, 10)}`), {
          recursive: true,
          force: true,
        });
    }
    await rm(dir, { recursive: true, force: true });
  });

  it("the example parameters file documents every deployment parameter", async () => {
    const parameters = await readParametersFile(path.join(ROOT, "ignition", "parameters.example.json"));
    expect(Object.keys(parameters).sort()).toEqual(
      [
        "admin",
        "batchGracePeriod",
        "epochLength",
        "genesis",
        "governor",
        "guardian",
        "minBond",
        "poster",
        "protocolFeeBps",
        "relayer",
        "settlementWindow",
        "thawPeriod",
        "timelock",
        "unbondingPeriod",
      ].sort(),
    );
  });

  it("deploys, records the chain, and never overwrites it with another chain of the same id", async () => {
    const first = await startNode();
    nodes.push(first);
    const file = path.join(dir, "remote.json");
    const result = await deploy(first, { KHO_DEPLOYMENT_FILE: file, KHO_DEPLOY_PARAMETERS: parametersFile });
    expect(result.output).toContain("Kho deployed on remote (chain 31337)");
    expect(result.code).toBe(0);

    const deployment = await loadDeployment({ file });
    const firstHash = await genesisBlockHash(first.url);
    expect(deployment).toMatchObject({ chainId: 31337, network: "remote", genesisBlockHash: firstHash });
    expect(deployment.epoch.length).toBe(7200n);
    expect(deployment.roles).toEqual({
      admin: accounts[0]!.address,
      poster: accounts[1]!.address,
      guardian: accounts[2]!.address,
      governor: accounts[3]!.address,
      relayer: accounts[4]!.address,
    });

    // The contracts answer at the recorded addresses with the parameters deployed.
    const client = createPublicClient({ transport: http(first.url) });
    for (const address of Object.values(deployment.contracts)) {
      expect(await client.getCode({ address })).toMatch(/^0x[0-9a-f]{100,}$/);
    }
    const ledger = deployment.contracts.UsageLedger;
    expect(await client.readContract({ address: ledger, abi: usageLedgerAbi, functionName: "epochLength" })).toBe(
      7200n,
    );
    expect(
      await client.readContract({
        address: ledger,
        abi: usageLedgerAbi,
        functionName: "isRelayer",
        args: [accounts[4]!.address],
      }),
    ).toBe(true);
    expect(
      await client.readContract({
        address: deployment.contracts.CommunityRegistry,
        abi: communityRegistryAbi,
        functionName: "minBond",
      }),
    ).toBe(1000n * 10n ** 18n);
    expect(
      await client.readContract({
        address: deployment.contracts.FeeEscrow,
        abi: feeEscrowAbi,
        functionName: "protocolFeeBps",
      }),
    ).toBe(1000n);

    // A second chain with the same chain id: the file is refused before any transaction is sent.
    const second = await startNode();
    nodes.push(second);
    const secondHash = await genesisBlockHash(second.url);
    expect(secondHash).not.toBe(firstHash);
    const before = await readFile(file, "utf8");
    const refused = await deploy(second, { KHO_DEPLOYMENT_FILE: file, KHO_DEPLOY_PARAMETERS: parametersFile });
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain(`holds the deployment on chain 31337 (genesis block ${firstHash})`);
    expect(await readFile(file, "utf8")).toBe(before);
    const secondClient = createPublicClient({ transport: http(second.url) });
    expect(await secondClient.getTransactionCount({ address: accounts[0]!.address })).toBe(0);

    // Under a distinct file name the second chain deploys and keeps its own record.
    const otherFile = path.join(dir, "remote-b.json");
    const distinct = await deploy(second, { KHO_DEPLOYMENT_FILE: otherFile, KHO_DEPLOY_PARAMETERS: parametersFile });
    expect(distinct.code).toBe(0);
    expect((await loadDeployment({ file: otherFile })).genesisBlockHash).toBe(secondHash);
    expect(await readFile(file, "utf8")).toBe(before);
  }, 300_000);
});
