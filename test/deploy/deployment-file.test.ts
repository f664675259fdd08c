import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertDeploymentFileReplaceable } from "../../src/deploy/deploy-kho";
import { readParametersFile } from "../../src/deploy/parameters-file";
import { deploymentFilePath } from "../../src/protocol/deployment";

const HASH_A = `0x${"a".repeat(64)}`;
const HASH_B = `0x${"b".repeat(64)}`;
const ADDRESS = "0x5555555555555555555555555555555555555555";

function deploymentJson(chainId: number, genesisBlockHash: string | undefined): object {
  return {
    version: 1,
    chainId,
    ...(genesisBlockHash ? { genesisBlockHash } : {}),
    deployedAt: "2026-12-01T00:00:00.000Z",
    blockNumber: "1",
    deployer: ADDRESS,
    contracts: Object.fromEntries(
      [
        "KhoToken",
        "CommunityRegistry",
        "DatasetStaking",
        "ModelRegistry",
        "UsageLedger",
        "RewardDistributor",
        "FeeEscrow",
      ].map((name) => [name, ADDRESS]),
    ),
    epoch: { genesis: "3600", length: "3600", batchGracePeriod: "60" },
    staking: { unbondingPeriod: "60" },
    rewards: { timelock: "60" },
    escrow: { thawPeriod: "7260", settlementWindow: "3600", protocolFeeBps: "1000" },
    communities: { minBond: "1" },
    roles: { admin: ADDRESS, relayer: null, poster: ADDRESS, guardian: ADDRESS, governor: ADDRESS },
  };
}

describe("deployment files never describe two chains", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "kho-deployment-file-"));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  async function fileOf(name: string, json: object): Promise<string> {
    const file = path.join(dir, `${name}.json`);
    await writeFile(file, JSON.stringify(json));
    return file;
  }

  it("allows a new file and a redeployment on the same chain", async () => {
    await expect(
      assertDeploymentFileReplaceable(path.join(dir, "absent.json"), { chainId: 5, genesisBlockHash: HASH_A }),
    ).resolves.toBeUndefined();
    const file = await fileOf("same", deploymentJson(5, HASH_A));
    await expect(
      assertDeploymentFileReplaceable(file, { chainId: 5, genesisBlockHash: HASH_A.toUpperCase().replace("0X", "0x") }),
    ).resolves.toBeUndefined();
  });

  it("refuses another chain with the same chain id, another chain id, a file without a genesis hash, and a foreign file", async () => {
    const file = await fileOf("other", deploymentJson(5, HASH_A));
    await expect(assertDeploymentFileReplaceable(file, { chainId: 5, genesisBlockHash: HASH_B })).rejects.toThrow(
      `${file} holds the deployment on chain 5 (genesis block ${HASH_A}), not chain 5 (genesis block ${HASH_B}): move it away or set KHO_DEPLOYMENT_FILE to another file.`,
    );
    await expect(assertDeploymentFileReplaceable(file, { chainId: 6, genesisBlockHash: HASH_A })).rejects.toThrow(
      "not chain 6",
    );
    const legacy = await fileOf("legacy", deploymentJson(5, undefined));
    await expect(assertDeploymentFileReplaceable(legacy, { chainId: 5, genesisBlockHash: HASH_A })).rejects.toThrow(
      "holds the deployment on chain 5, not chain 5 (genesis block",
    );
    const foreign = await fileOf("foreign", { hello: "world" });
    await expect(assertDeploymentFileReplaceable(foreign, { chainId: 5, genesisBlockHash: HASH_A })).rejects.toThrow(
      "exists but is not a Kho deployment file",
    );
  });

  it("names files after networks and refuses names that could leave deployments/", () => {
    expect(deploymentFilePath("/r", "base-sepolia")).toBe(path.join("/r", "deployments", "base-sepolia.json"));
    expect(deploymentFilePath("/r", 31337)).toBe(path.join("/r", "deployments", "31337.json"));
    expect(() => deploymentFilePath("/r", "../etc")).toThrow('"../etc" cannot name a deployment file');
  });

  it("rejects a parameters file with an unknown key or a bad address, naming the field", async () => {
    const unknown = await fileOf("unknown-key", { Kho: { epochLenght: 5 } });
    await expect(readParametersFile(unknown)).rejects.toThrow(
      `Invalid parameters file ${unknown}: Kho has unknown field "epochLenght".`,
    );
    const bad = await fileOf("bad-address", { Kho: { admin: "0x1234" } });
    await expect(readParametersFile(bad)).rejects.toThrow("Kho.admin must be a 20-byte hex address");
    const bigint = await fileOf("bigint", { Kho: { minBond: "1000000000000000000000n", epochLength: 60 } });
    await expect(readParametersFile(bigint)).resolves.toMatchObject({ minBond: 10n ** 21n, epochLength: 60n });
  });
});
