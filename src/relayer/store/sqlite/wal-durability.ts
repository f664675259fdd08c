import fs from "node:fs";
import { Worker } from "node:worker_threads";
import type { SqliteDatabase } from "./database";

/**
 * Makes commits durable without an fsync on the event loop. The connection runs WAL with
 * `synchronous = NORMAL`: a COMMIT only write()s its frames to the -wal file. `durable()` then
 * fsyncs that file on libuv's thread pool, so the event loop keeps serving while the disk flushes.
 * The WAL is append-only between checkpoints and recovery replays every frame up to the last
 * complete commit, so once an fsync that started after a COMMIT returned has finished, that commit
 * (and every commit before it) survives a power cut: what `synchronous = FULL` promised, paid
 * off the loop. Callers that committed while an fsync was running share the next one.
 *
 * Checkpoints (copying the WAL back into the database file, two fsyncs and megabytes of writes)
 * run in a worker thread on its own connection, never inside a request's COMMIT: the main
 * connection's automatic checkpoint is turned off while the worker runs, and back on if it fails.
 */
export type WalDurability = {
  /** Resolves once every commit made before the call is on disk. */
  durable(): Promise<void>;
  close(): Promise<void>;
};

/** A checkpoint is attempted this often (ms); PASSIVE, so it never waits for or blocks a writer. */
const CHECKPOINT_EVERY_MS = 500;

const CHECKPOINT_WORKER_SOURCE = `
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.betterSqlitePath);
const db = new Database(workerData.file);
db.pragma("busy_timeout = 0");
const timer = setInterval(() => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch (error) {
    // SQLITE_BUSY: another checkpoint or a WAL reset holds the lock; the next round retries.
    if (!(error && error.code === "SQLITE_BUSY")) throw error;
  }
}, workerData.everyMs);
parentPort.on("message", () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export function createWalDurability(db: SqliteDatabase, file: string): WalDurability {
  if (file === ":memory:" || db.memory) {
    return { durable: () => Promise.resolve(), close: () => Promise.resolve() };
  }
  // The -wal file exists while the connection is open (migrations ran on it).
  const wal = fs.openSync(`${db.name}-wal`, "r");
  let running: Promise<void> | null = null;
  let next: Promise<void> | null = null;
  const fsync = () =>
    new Promise<void>((resolve, reject) => fs.fsync(wal, (error) => (error ? reject(error) : resolve())));
  const durable = (): Promise<void> => {
    if (!running) {
      running = fsync().finally(() => (running = null));
      return running;
    }
    // The running fsync may have started before the caller's COMMIT: wait for the one after it.
    next ??= running
      .catch(() => undefined)
      .then(() => {
        next = null;
        return durable();
      });
    return next;
  };

  db.pragma("wal_autocheckpoint = 0");
  const worker = new Worker(CHECKPOINT_WORKER_SOURCE, {
    eval: true,
    workerData: { betterSqlitePath: require.resolve("better-sqlite3"), file: db.name, everyMs: CHECKPOINT_EVERY_MS },
  });
  worker.unref();
  let workerDone = false;
  const fallBack = () => {
    workerDone = true;
    // Without the worker the WAL would grow forever: checkpoint in COMMIT again, as SQLite does by default.
    if (db.open) db.pragma("wal_autocheckpoint = 1000");
  };
  worker.once("error", fallBack);
  worker.once("exit", fallBack);

  return {
    durable,
    async close() {
      if (!workerDone) {
        const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
        // Unreferenced, the worker would let the process end while close() waits for it: a short
        // command (kho relayer keys create) then exited before printing anything.
        worker.ref();
        worker.postMessage("close");
        await exited;
      }
      while (running || next) await (next ?? running)?.catch(() => undefined);
      fs.closeSync(wal);
    },
  };
}
