import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import type { Address } from "viem";
import { KHO_MODULE_DEFAULTS } from "../../ignition/modules/Kho";
import { deployKho, writeDeploymentFile } from "../../scripts/lib/deploy-kho";
import {
  DeploymentFileError,
  deploymentFilePath,
  loadDeployment,
  parseDeployment,
  serializeDeployment,
} from "../../src/protocol/deployment";

/** The error a promise rejects with; fails the test when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-Error: ${String(error)}`);
  }
  throw new Error("expected the promise to reject, but it resolved");
}

describe("Deploy (Ignition module + deployKho)", function () {
  async function defaultDeployFixture() {
    const [deployer] = await ethers.getSigners();
    const latest = BigInt(await time.latest());
    const result = await deployKho(hre);
    return { ...result, deployer: deployer!, latest };
  }

  async function customDeployFixture() {
    const [deployer, , poster, guardian, relayer] = await ethers.getSigners();
    const result = await deployKho(hre, {
      poster: poster!.address as Address,
      guardian: guardian!.address as Address,
      relayer: relayer!.address as Address,
      genesis: 1_000_000n,
      epochLength: 3600n,
      batchGracePeriod: 60n,
      unbondingPeriod: 120n,
      timelock: 0n,
    });
    return { ...result, deployer: deployer!, poster: poster!, guardian: guardian!, relayer: relayer! };
  }

  it("deploys every contract with the deployer as admin and the default parameters", async function () {
    const { deployment, contracts, deployer, latest } = await loadFixture(defaultDeployFixture);
    const admin = deployer.address;
    const { token, communities, staking, models, ledger, distributor, escrow } = contracts;
    for (const contract of [token, communities, staking, models, ledger, distributor, escrow]) {
      expect(await ethers.provider.getCode(await contract.getAddress())).not.to.equal("0x");
    }
    expect(await token.getFunction("owner")()).to.equal(admin);
    for (const contract of [communities, staking, models, ledger, distributor, escrow]) {
      expect(await contract.getFunction("hasRole")(ethers.ZeroHash, admin)).to.equal(true);
    }
    expect(await ledger.getFunction("genesis")()).to.equal((latest / 3600n) * 3600n);
    expect(await ledger.getFunction("epochLength")()).to.equal(BigInt(KHO_MODULE_DEFAULTS.epochLength));
    expect(await ledger.getFunction("batchGracePeriod")()).to.equal(BigInt(KHO_MODULE_DEFAULTS.batchGracePeriod));
    expect(await distributor.getFunction("timelock")()).to.equal(BigInt(KHO_MODULE_DEFAULTS.timelock));
    expect(await distributor.getFunction("token")()).to.equal(await token.getAddress());
    expect(await staking.getFunction("token")()).to.equal(await token.getAddress());
    expect(await models.getFunction("communities")()).to.equal(await communities.getAddress());
    const posterRole = await distributor.getFunction("POSTER_ROLE")();
    const guardianRole = await distributor.getFunction("GUARDIAN_ROLE")();
    expect(await distributor.getFunction("hasRole")(posterRole, admin)).to.equal(true);
    expect(await distributor.getFunction("hasRole")(guardianRole, admin)).to.equal(true);

    const governorRole = await communities.getFunction("GOVERNOR_ROLE")();
    expect(await communities.getFunction("hasRole")(governorRole, admin)).to.equal(true);
    expect(await communities.getFunction("minBond")()).to.equal(KHO_MODULE_DEFAULTS.minBond);
    expect(await communities.getFunction("bondToken")()).to.equal(await token.getAddress());
    expect(await escrow.getFunction("thawPeriod")()).to.equal(BigInt(KHO_MODULE_DEFAULTS.thawPeriod));
    expect(await escrow.getFunction("settlementWindow")()).to.equal(BigInt(KHO_MODULE_DEFAULTS.settlementWindow));
    expect(await escrow.getFunction("protocolFeeBps")()).to.equal(BigInt(KHO_MODULE_DEFAULTS.protocolFeeBps));
    expect(await escrow.getFunction("ledger")()).to.equal(await ledger.getAddress());
    expect(await escrow.getFunction("distributor")()).to.equal(await distributor.getAddress());

    expect(deployment.roles).to.deep.equal({ admin, poster: admin, guardian: admin, governor: admin, relayer: null });
    expect(deployment.contracts.FeeEscrow).to.equal(await escrow.getAddress());
    expect(deployment.escrow).to.deep.equal({
      thawPeriod: BigInt(KHO_MODULE_DEFAULTS.thawPeriod),
      settlementWindow: BigInt(KHO_MODULE_DEFAULTS.settlementWindow),
      protocolFeeBps: BigInt(KHO_MODULE_DEFAULTS.protocolFeeBps),
    });
    expect(deployment.contracts.UsageLedger).to.equal(await ledger.getAddress());
    expect(deployment.epoch.genesis).to.equal((latest / 3600n) * 3600n);
    expect(deployment.chainId).to.equal(31337);
  });

  it("wires a relayer, poster and guardian and custom clock parameters", async function () {
    const { deployment, contracts, poster, guardian, relayer } = await loadFixture(customDeployFixture);
    const { ledger, distributor, staking } = contracts;
    expect(await ledger.getFunction("isRelayer")(relayer.address)).to.equal(true);
    expect(await ledger.getFunction("genesis")()).to.equal(1_000_000n);
    expect(await ledger.getFunction("epochLength")()).to.equal(3600n);
    expect(await ledger.getFunction("batchGracePeriod")()).to.equal(60n);
    expect(await staking.getFunction("unbondingPeriod")()).to.equal(120n);
    expect(await distributor.getFunction("timelock")()).to.equal(0n);
    const posterRole = await distributor.getFunction("POSTER_ROLE")();
    const guardianRole = await distributor.getFunction("GUARDIAN_ROLE")();
    expect(await distributor.getFunction("hasRole")(posterRole, poster.address)).to.equal(true);
    expect(await distributor.getFunction("hasRole")(guardianRole, guardian.address)).to.equal(true);
    expect(deployment.roles.relayer).to.equal(relayer.address);
    expect(deployment.staking.unbondingPeriod).to.equal(120n);
    expect(deployment.rewards.timelock).to.equal(0n);
    // The thaw period defaults to its minimum under the custom clock: epoch + grace + settlement window.
    expect(await contracts.escrow.getFunction("thawPeriod")()).to.equal(
      3600n + 60n + BigInt(KHO_MODULE_DEFAULTS.settlementWindow),
    );
  });

  it("leaves the deployer no role when admin, poster and guardian are other keys", async function () {
    const [deployer, admin, poster, guardian] = await ethers.getSigners();
    const { contracts, deployment } = await deployKho(hre, {
      admin: admin!.address as Address,
      poster: poster!.address as Address,
      guardian: guardian!.address as Address,
    });
    const { ledger, distributor } = contracts;
    const distributorRoles = await Promise.all(
      ["DEFAULT_ADMIN_ROLE", "POSTER_ROLE", "GUARDIAN_ROLE", "PAUSER_ROLE"].map((name) =>
        distributor.getFunction(name)(),
      ),
    );
    for (const role of distributorRoles) {
      expect(await distributor.getFunction("hasRole")(role, deployer!.address)).to.equal(false);
    }
    for (const role of [ethers.ZeroHash, await ledger.getFunction("RELAYER_ROLE")()]) {
      expect(await ledger.getFunction("hasRole")(role, deployer!.address)).to.equal(false);
    }
    expect(await ledger.getFunction("hasRole")(ethers.ZeroHash, admin!.address)).to.equal(true);
    const [adminRole, posterRole, guardianRole, pauserRole] = distributorRoles;
    const has = distributor.getFunction("hasRole");
    expect(await has(adminRole, admin!.address)).to.equal(true);
    expect(await has(pauserRole, admin!.address)).to.equal(true);
    expect(await has(posterRole, poster!.address)).to.equal(true);
    expect(await has(guardianRole, guardian!.address)).to.equal(true);
    expect(await has(pauserRole, guardian!.address)).to.equal(true);
    // The poster is not also the guardian, so the timelock means something.
    expect(await has(guardianRole, poster!.address)).to.equal(false);
    // Indexers start at deployment.blockNumber: every role grant of the deployment is at or after it.
    const grants = await ledger.queryFilter(ledger.filters.RoleGranted!(), 0);
    expect(grants.length).to.be.greaterThan(0);
    for (const grant of grants) expect(BigInt(grant.blockNumber)).to.be.at.least(deployment.blockNumber);
  });

  it("rejects invalid parameters with a clear message", async function () {
    const [, other, relayer] = await ethers.getSigners();
    expect((await rejection(deployKho(hre, { epochLength: 0n }))).message).to.contain(
      "epochLength must be between 1 and",
    );
    expect((await rejection(deployKho(hre, { epochLength: 100n, batchGracePeriod: 101n }))).message).to.contain(
      "batchGracePeriod must be between 0 and 100 seconds.",
    );
    expect((await rejection(deployKho(hre, { timelock: 31n * 86400n }))).message).to.contain(
      "timelock must be between",
    );
    expect(
      (
        await rejection(
          deployKho(hre, { epochLength: 100n, batchGracePeriod: 0n, settlementWindow: 10n, thawPeriod: 109n }),
        )
      ).message,
    ).to.contain("thawPeriod must be between 110 and");
    expect((await rejection(deployKho(hre, { protocolFeeBps: 10_001n }))).message).to.contain(
      "protocolFeeBps must be between 0 and 10000",
    );
    expect((await rejection(deployKho(hre, { admin: "0x1234" as Address }))).message).to.contain(
      "admin must be an address",
    );
    expect(
      (await rejection(deployKho(hre, { admin: other!.address as Address, relayer: relayer!.address as Address })))
        .message,
    ).to.contain("Only the admin can add a relayer");
  });

  it("writes a deployment file that parses back to the same deployment", async function () {
    const { deployment } = await loadFixture(customDeployFixture);
    const dir = await mkdtemp(path.join(os.tmpdir(), "kho-deploy-"));
    try {
      const file = await writeDeploymentFile(dir, deployment);
      expect(file).to.equal(deploymentFilePath(dir, 31337));
      const json: unknown = JSON.parse(await readFile(file, "utf8"));
      // Integers are decimal strings on disk, bigints once parsed.
      expect(json).to.have.nested.property("epoch.genesis", "1000000");
      expect(parseDeployment(json)).to.deep.equal(deployment);
      expect(await loadDeployment({ file })).to.deep.equal(deployment);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe("parseDeployment", function () {
    it("names the first invalid field", async function () {
      const { deployment } = await loadFixture(defaultDeployFixture);
      const json = serializeDeployment(deployment);
      expect(() => parseDeployment({ ...json, contracts: { ...json.contracts, UsageLedger: "0x12" } }))
        .to.throw(DeploymentFileError)
        .with.property("message")
        .that.matches(/^Invalid deployment file: contracts\.UsageLedger /);
      expect(() => parseDeployment({ ...json, epoch: { ...json.epoch, genesis: "-1" } })).to.throw(
        /epoch\.genesis must be a non-negative integer/,
      );
      expect(() => parseDeployment({ ...json, blockNumber: 12 })).to.throw(/blockNumber/);
      expect(() => parseDeployment(null)).to.throw(DeploymentFileError);
    });

    it("reports unreadable and malformed files", async function () {
      const dir = await mkdtemp(path.join(os.tmpdir(), "kho-deploy-"));
      try {
        expect((await rejection(loadDeployment({ file: path.join(dir, "missing.json") }))).message).to.contain(
          "Cannot read deployment file",
        );
        const bad = path.join(dir, "bad.json");
        await writeFile(bad, "{not json");
        expect((await rejection(loadDeployment({ file: bad }))).message).to.contain("is not valid JSON");
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
