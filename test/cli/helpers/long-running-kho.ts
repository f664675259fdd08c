import { type ChildProcessByStdio, spawn } from "node:child_process";
import path from "node:path";
import type { Readable } from "node:stream";
import { cleanEnv } from "./run-kho";

const BIN = path.resolve(__dirname, "..", "..", "..", "bin", "kho.js");

export type KhoExit = { code: number | null; signal: NodeJS.Signals | null };

/** A `kho` command that keeps running (a server) until it is signalled. */
export type LongRunningKho = {
  child: ChildProcessByStdio<null, Readable, Readable>;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited and its output streams have closed. */
  exited: Promise<KhoExit>;
  /** Resolves with the first match of `pattern` in stdout; rejects if the process exits or `timeoutMs` passes first. */
  waitForStdout(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /** Sends `signal` and resolves with the exit, or SIGKILLs and rejects after `timeoutMs`. */
  stop(signal: NodeJS.Signals, timeoutMs: number): Promise<KhoExit>;
  /** SIGKILLs the process if it still runs (for afterAll). */
  kill(): void;
};

/** Starts `node bin/kho.js …` with no KHO_* variables from the test process (a user's clean shell). */
export function startKho(args: string[], options: { cwd: string; env?: Record<string, string> }): LongRunningKho {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: cleanEnv(options.env ?? {}),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
  // "close" (not "exit") so every byte written before exiting has been read.
  const exited = new Promise<KhoExit>((resolve) => child.once("close", (code, signal) => resolve({ code, signal })));
  const running = () => child.exitCode === null && child.signalCode === null;

  const waitForStdout = (pattern: RegExp, timeoutMs: number) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(out);
        if (!match) return false;
        cleanup();
        resolve(match);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no ${pattern} on stdout within ${timeoutMs} ms\nstdout:\n${out}\nstderr:\n${err}`));
      }, timeoutMs);
      const onExit = ({ code, signal }: KhoExit) => {
        if (check()) return;
        cleanup();
        reject(
          new Error(`kho exited (${code ?? signal}) before printing ${pattern}\nstdout:\n${out}\nstderr:\n${err}`),
        );
      };
      const cleanup = () => {
        clearTimeout(timer);
        child.stdout.off("data", onData);
      };
      const onData = () => void check();
      child.stdout.on("data", onData);
      void exited.then(onExit);
      check();
    });

  const stop = async (signal: NodeJS.Signals, timeoutMs: number): Promise<KhoExit> => {
    if (running()) child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`kho did not exit within ${timeoutMs} ms of ${signal}\nstderr:\n${err}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForStdout,
    stop,
    kill: () => {
      if (running()) child.kill("SIGKILL");
    },
  };
}

export { freePort } from "../../../src/devnet/free-port";
