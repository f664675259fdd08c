import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";

/** A relayer loads, migrates its store and reads the chain in a few seconds; this is for a loaded machine. */
const READY_TIMEOUT_MS = 30_000;
const MAIN = path.join(__dirname, "relayer-main.ts");
// esbuild's per-file transform, not ts-node: ts-node spent about 6 s of CPU compiling the relayer in
// every child, and the crash tests start a dozen children on a 2-core machine. The signer and batch
// workers inherit the hook through execArgv. An absolute path, so the child needs no node_modules
// lookup from its own (temporary) working directory.
const TS_REGISTER = path.resolve(__dirname, "..", "..", "..", "scripts", "esbuild-register.js");

export type RelayerProcess = {
  child: ChildProcess;
  /** Resolves with the signal (or exit code) once the process is gone; never rejects. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** stderr so far (for failure messages). */
  stderr(): string;
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

/** Every KHO_* variable of the test process is dropped: the child sees only what the test sets. */
function childEnv(env: Record<string, string>, cwd: string): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith("KHO_") && !k.startsWith("TS_NODE_") && k !== "NODE_OPTIONS") base[k] = v;
  }
  return { ...base, ...env, HOME: base.HOME ?? cwd };
}

/**
 * Starts `relayer-main.ts` (from the TypeScript sources, so it always runs the current code) as a child
 * process and resolves once it logged "relayer listening". `cwd` should be a scratch directory so a
 * developer's `.env` in the checkout does not leak into the test.
 */
export async function startRelayerProcess(params: {
  env: Record<string, string>;
  cwd: string;
}): Promise<RelayerProcess> {
  const child = spawn(process.execPath, ["-r", TS_REGISTER, MAIN], {
    cwd: params.cwd,
    env: childEnv(params.env, params.cwd),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => {
    // Only the tail matters for a failure message; a long run must not grow memory.
    stderr = (stderr + chunk).slice(-8192);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  const ready = new Promise<void>((resolve, reject) => {
    let buffered = "";
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line.includes('"msg":"relayer listening"')) resolve();
      }
    });
    void exited.then(({ code, signal }) =>
      reject(new Error(`the relayer exited before listening (code ${code}, signal ${signal}): ${stderr}`)),
    );
  });
  const process_: RelayerProcess = {
    child,
    exited,
    stderr: () => stderr,
    async kill(signal = "SIGKILL") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  const timeoutMs = READY_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ready,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the relayer did not listen within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    await process_.kill();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return process_;
}
