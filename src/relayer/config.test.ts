import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadRelayerConfig } from "./config";

const base = {
  KHO_RPC_URL: "http://127.0.0.1:8545",
  KHO_USAGE_LEDGER_ADDRESS: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
  KHO_MODEL_REGISTRY_ADDRESS: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
  KHO_FEE_ESCROW_ADDRESS: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
  KHO_RELAYER_PRIVATE_KEY: `0x${"ab".repeat(32)}`,
  KHO_USER_ID_SALT: `0x${"cd".repeat(32)}`,
};

function problems(env: Record<string, string>): string[] {
  try {
    loadRelayerConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("loadRelayerConfig", () => {
  it("applies defaults and checksums addresses", () => {
    const config = loadRelayerConfig(base);
    expect(config.contracts.usageLedger).toBe("0x5FbDB2315678afecb367f032d93F642f64180aa3");
    expect(config.dbPath).toBe(".kho/relayer.sqlite");
    expect([config.host, config.port, config.publicUrl]).toEqual(["127.0.0.1", 8787, "http://127.0.0.1:8787"]);
    expect(config.batch).toEqual({ maxReceipts: 256, maxAgeSeconds: 30 });
    expect(config.upstream.allowLoopback).toBe(false);
    expect(config.minSignerBalanceWei).toBe(10n ** 16n);
  });

  it("reads per-deployment upstream keys and model names from the operator's file", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kho-upstreams-"));
    const file = path.join(dir, "upstreams.json");
    fs.writeFileSync(
      file,
      JSON.stringify({
        "3": { apiKey: "sk-or-1", upstreamModel: "meta-llama/llama-3.2-3b-instruct" },
        "4": { apiKey: "k", apiKeyHeader: "X-Api-Key" },
      }),
    );
    const settings = loadRelayerConfig({ ...base, KHO_UPSTREAM_DEPLOYMENTS_FILE: file }).upstream.deploymentSettings;
    expect(settings?.get(3n)).toEqual({
      apiKey: "sk-or-1",
      apiKeyHeader: "authorization",
      upstreamModel: "meta-llama/llama-3.2-3b-instruct",
    });
    expect(settings?.get(4n)?.apiKeyHeader).toBe("x-api-key");
    fs.writeFileSync(file, JSON.stringify({ "0": { apiKey: "k" } }));
    expect(problems({ ...base, KHO_UPSTREAM_DEPLOYMENTS_FILE: file })).toEqual([
      expect.stringMatching(/^KHO_UPSTREAM_DEPLOYMENTS_FILE .*upstreams\.json: 0 is not a deployment id\.$/),
    ]);
    fs.writeFileSync(file, JSON.stringify({ "5": { apiKey: "k", model: "x" } }));
    expect(problems({ ...base, KHO_UPSTREAM_DEPLOYMENTS_FILE: file })[0]).toMatch(/Unrecognized key/);
    fs.rmSync(dir, { recursive: true });
  });

  it("reads batch mirrors and refuses the kinds it cannot write to", () => {
    expect(loadRelayerConfig(base).batchMirrors).toEqual([]);
    const mirrors = loadRelayerConfig({
      ...base,
      KHO_BATCH_MIRRORS: "dir:/var/lib/kho/mirror,https://m.example/kho",
    }).batchMirrors;
    expect(mirrors?.map((m) => m.label)).toEqual(["dir:/var/lib/kho/mirror", "https://m.example/kho"]);
    expect(problems({ ...base, KHO_BATCH_MIRRORS: "dir:/a,ipfs://127.0.0.1:5001" })).toEqual([
      expect.stringMatching(/^KHO_BATCH_MIRRORS: Mirror "ipfs:\/\/127\.0\.0\.1:5001" is not supported yet/),
    ]);
  });

  it("treats empty variables as unset", () => {
    expect(loadRelayerConfig({ ...base, KHO_RELAYER_PORT: "", KHO_LOG_LEVEL: " " }).port).toBe(8787);
  });

  it("reports one sentence per bad variable", () => {
    const found = problems({
      KHO_RPC_URL: "ftp://x",
      KHO_RELAYER_PRIVATE_KEY: "0x1234",
      KHO_RELAYER_PORT: "99999",
      KHO_ALLOW_LOOPBACK_UPSTREAMS: "maybe",
      KHO_BATCH_MAX_RECEIPTS: "lots",
    });
    expect(found).toEqual([
      expect.stringMatching(/^KHO_RPC_URL must be an http\(s\) or ws\(s\) JSON-RPC URL\.$/),
      expect.stringMatching(/^KHO_RELAYER_PRIVATE_KEY must be a private key/),
      "KHO_RELAYER_PORT must be at most 65535.",
      "KHO_USER_ID_SALT is required.",
      expect.stringMatching(/^KHO_BATCH_MAX_RECEIPTS must be a whole number/),
      "KHO_ALLOW_LOOPBACK_UPSTREAMS must be true or false.",
    ]);
    for (const p of found) expect(p).not.toMatch(/\n/);
  });

  it("needs a deployment file or both addresses, and reads the file", () => {
    const { KHO_MODEL_REGISTRY_ADDRESS: _m, ...withoutRegistry } = base;
    expect(problems(withoutRegistry)).toEqual([
      "KHO_DEPLOYMENT_FILE is required unless KHO_USAGE_LEDGER_ADDRESS, KHO_MODEL_REGISTRY_ADDRESS and KHO_FEE_ESCROW_ADDRESS are all set.",
    ]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kho-config-"));
    const file = path.join(dir, "31337.json");
    const a = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;
    fs.writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        chainId: 31337,
        deployedAt: "2026-01-01T00:00:00.000Z",
        blockNumber: "5",
        deployer: a(1),
        contracts: {
          KhoToken: a(2),
          CommunityRegistry: a(3),
          DatasetStaking: a(4),
          ModelRegistry: a(5),
          UsageLedger: a(6),
          RewardDistributor: a(7),
          FeeEscrow: a(8),
        },
        epoch: { genesis: "1700000000", length: "604800", batchGracePeriod: "3600" },
        staking: { unbondingPeriod: "604800" },
        rewards: { timelock: "86400" },
        escrow: { thawPeriod: "1300000", settlementWindow: "86400", protocolFeeBps: "1000" },
        communities: { minBond: "1000" },
        roles: { admin: a(1), relayer: null, poster: a(1), guardian: a(1), governor: a(1) },
      }),
    );
    const config = loadRelayerConfig({ ...withoutRegistry, KHO_USAGE_LEDGER_ADDRESS: "", KHO_DEPLOYMENT_FILE: file });
    expect(config.contracts).toEqual({ usageLedger: a(6), modelRegistry: a(5), feeEscrow: a(8) });
    expect(config.chainId).toBe(31337);
    expect(problems({ ...withoutRegistry, KHO_DEPLOYMENT_FILE: file, KHO_CHAIN_ID: "1" })).toEqual([
      "KHO_CHAIN_ID 1 differs from chain 31337 in KHO_DEPLOYMENT_FILE.",
    ]);
    expect(problems({ ...withoutRegistry, KHO_DEPLOYMENT_FILE: path.join(dir, "missing.json") })[0]).toMatch(
      /could not be read as JSON\.$/,
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
