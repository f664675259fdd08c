import { execFile } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..", "..");

/**
 * A one-shot process whose only pending work is in a worker pool must wait for the answer: idle
 * workers are unreferenced so they never keep a process alive, but busy ones must. Run in a
 * child process because vitest's own handles would keep any process alive.
 */
function runScript(source: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", "-e", source],
      { cwd: ROOT, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

describe("worker pools keep a one-shot process alive while they work", () => {
  it("the reward pipeline's signature pool answers before the process exits", async () => {
    const run = await runScript(`
      const { sign, privateKeyToAccount } = require("viem/accounts");
      const { createSignaturePool } = require("./src/rewards/pipeline/signature-pool");
      (async () => {
        const hash = "0x" + "ab".repeat(32);
        const signature = await sign({ hash, privateKey: "${KEY}", to: "hex" });
        const pool = createSignaturePool({ threads: 1 });
        const [signer] = await pool.recover([{ hash, signature }]);
        console.log("recovered", signer === privateKeyToAccount("${KEY}").address);
        await pool.close();
      })();
    `);
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("recovered true");
    expect(run.code).toBe(0);
  });

  it("the relayer's receipt signer answers before the process exits", async () => {
    const run = await runScript(`
      const { createReceiptSigner } = require("./src/relayer/signer/signer");
      (async () => {
        const signer = createReceiptSigner({
          privateKey: "${KEY}",
          domain: { chainId: 31337, ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3" },
          threads: 1,
        });
        const receipt = {
          requestId: "0x" + "01".repeat(32), modelId: 1n, deploymentId: 1n, communityId: 1n,
          userId: "0x" + "02".repeat(32), userKind: 0, inputHash: "0x" + "03".repeat(32),
          outputHash: "0x" + "04".repeat(32), timestamp: 1n, epoch: 0n, fee: 0n, payer: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", userAuth: "0x" + "00".repeat(32),
          attributionHash: "0x" + "00".repeat(32),
        };
        const [signed] = await signer.signReceipts([receipt]);
        console.log("signed", /^0x[0-9a-f]{130}$/.test(signed.signature));
        await signer.close();
      })();
    `);
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("signed true");
    expect(run.code).toBe(0);
  });
});
