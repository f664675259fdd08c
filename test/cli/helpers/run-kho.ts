import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, statSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { serializeDeployment } from "../../../src/protocol/deployment";
import type { KhoDevnet } from "../../sdk/helpers/kho-devnet";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const BIN = path.join(ROOT, "bin", "kho.js");
const BUILT_MAIN = path.join(ROOT, "dist", "src", "cli", "main.js");

export type KhoRun = { code: number; stdout: string; stderr: string };

/** Fails fast when the built CLI is missing or older than its sources (the tests run the real binary). */
export function assertBuilt(): void {
  const stale: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      // Declaration files (.d.ts) compile to nothing, so they have no built file to compare with.
      else if (
        entry.name.endsWith(".ts") &&
        !entry.name.endsWith(".test.ts") &&
        !entry.name.endsWith(".d.ts") &&
        !file.includes("__fixtures__")
      ) {
        const built = path.join(ROOT, "dist", path.relative(ROOT, file).replace(/\.ts$/, ".js"));
        if (!existsSync(built) || statSync(built).mtimeMs < statSync(file).mtimeMs)
          stale.push(path.relative(ROOT, file));
      }
    }
  };
  // The CLI loads every part of src/ (relayer, rewards, devnet…), so all of it must be current.
  walk(path.join(ROOT, "src"));
  if (!existsSync(BUILT_MAIN) || stale.length > 0) {
    throw new Error(`the kho CLI build is missing or stale (${stale.slice(0, 3).join(", ")}): run \`npm run build\``);
  }
}

/** The environment a user would have: no KHO_* variables leak in from the test process. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("KHO_") && k !== "NODE_OPTIONS") env[k] = v;
  return { ...env, ...extra };
}

/**
 * Runs `node bin/kho.js …` asynchronously (the chain's JSON-RPC server lives in this process, so a
 * synchronous spawn would deadlock it).
 */
export function runKho(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<KhoRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: options.cwd, env: cleanEnv(options.env ?? {}), timeout: options.timeoutMs ?? 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A scratch working directory holding `deployments/<chainId>.json`, as `kho` finds it by default. */
export async function cliWorkdir(devnet: KhoDevnet): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "kho-cli-"));
  await mkdir(path.join(dir, "deployments"));
  await writeFile(
    path.join(dir, "deployments", `${devnet.chain.chainId}.json`),
    JSON.stringify(serializeDeployment(devnet.deployment), null, 2),
  );
  return dir;
}

/** Runs kho in `cwd` against the devnet, signing as account `signer` when given. */
export function khoAs(devnet: KhoDevnet, cwd: string) {
  return (args: string[], signer?: number, env: Record<string, string> = {}): Promise<KhoRun> =>
    runKho(args, {
      cwd,
      env: {
        KHO_RPC_URL: devnet.chain.rpcUrl,
        ...(signer === undefined ? {} : { KHO_PRIVATE_KEY: devnet.accounts[signer]!.privateKey }),
        ...env,
      },
    });
}

/** The single line a failed command printed, for exact assertions. */
export function errorLine(run: KhoRun): string {
  const lines = run.stderr.split("\n").filter((l) => l.trim() !== "");
  if (lines.length !== 1) throw new Error(`expected one stderr line, got ${lines.length}:\n${run.stderr}`);
  return lines[0]!;
}
