import type { RelayerStore, StoreRepos, StoreTx } from "../types";
import { type SqliteDatabase, openDatabase } from "./database";
import { prepareStatements, sqliteRepos } from "./repos";
import { createWalDurability } from "./wal-durability";

/**
 * The embedded store: one SQLite file, one process. Transactions are IMMEDIATE (they take the
 * file's write lock at BEGIN) and run one at a time; a statement issued outside a transaction while
 * one is open waits for it to end, since on this single connection it would otherwise run inside it.
 * A write (a transaction, or a statement outside one that changed rows) resolves only once it is on
 * disk; the fsync that makes it so runs off the event loop (wal-durability.ts), and the next
 * transaction may begin and commit while it runs.
 */
export type SqliteRelayerStore = RelayerStore & {
  /** The connection, for inspection (tests, the CLI); the store's own writes go through its methods. */
  readonly db: SqliteDatabase;
};

export function openSqliteStore(file: string): SqliteRelayerStore {
  const db = openDatabase(file);
  const wal = createWalDurability(db, file);
  const statements = prepareStatements(db);
  const totalChanges = db.prepare<[], number>("SELECT total_changes()").pluck();
  // Prepared once: every request's receipt runs BEGIN, SAVEPOINT, RELEASE and COMMIT, and exec()
  // parses its SQL again each time.
  const control = {
    begin: db.prepare("BEGIN IMMEDIATE"),
    commit: db.prepare("COMMIT"),
    rollback: db.prepare("ROLLBACK"),
    savepoint: db.prepare("SAVEPOINT write"),
    release: db.prepare("RELEASE write"),
    rollbackTo: db.prepare("ROLLBACK TO write"),
  };
  let busy: Promise<void> | null = null;
  const outsideRepos = durableWrites(
    sqliteRepos(statements, () => busy),
    () => totalChanges.get()!,
    wal.durable,
  );
  const tx: StoreTx = {
    ...sqliteRepos(statements, () => null),
    async savepoint<T>(fn: () => Promise<T>): Promise<T> {
      control.savepoint.run();
      try {
        const result = await fn();
        control.release.run();
        return result;
      } catch (error) {
        control.rollbackTo.run();
        control.release.run();
        throw error;
      }
    },
  };
  let healthProbe: ReturnType<typeof db.prepare> | null = null;

  async function transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    while (busy) await busy;
    // Read before the lock is taken: on a closed connection this throws, and a lock taken first
    // would never be released (close() then waited forever).
    const before = totalChanges.get()!;
    let done!: () => void;
    busy = new Promise<void>((resolve) => (done = resolve));
    let result: T;
    try {
      control.begin.run();
      try {
        result = await fn(tx);
        control.commit.run();
      } catch (error) {
        if (db.inTransaction) control.rollback.run();
        throw error;
      }
    } finally {
      busy = null;
      done();
    }
    // A transaction that wrote nothing has nothing to flush.
    if (totalChanges.get() !== before) await wal.durable();
    return result;
  }

  return {
    backend: "sqlite",
    db,
    ...outsideRepos,
    rateLimits: null,
    groupCommit: true,
    transaction,
    async isWritable() {
      try {
        await transaction(async () => {
          db.exec("CREATE TABLE IF NOT EXISTS health_probe (at INTEGER)");
          healthProbe ??= db.prepare("INSERT INTO health_probe (at) VALUES (?)");
          db.exec("DELETE FROM health_probe");
          healthProbe.run(Date.now());
        });
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      while (busy) await busy;
      await wal.close();
      db.close();
    },
  };
}

/**
 * The repositories used outside transactions, each call resolving only once what it wrote is
 * durable: a call that changed rows (the connection's total_changes moved) waits for the WAL fsync.
 */
function durableWrites(repos: StoreRepos, changes: () => number, durable: () => Promise<void>): StoreRepos {
  const wrap = <R extends object>(repo: R): R =>
    new Proxy(repo, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== "function") return value;
        return async (...args: unknown[]) => {
          const before = changes();
          const result: unknown = await (value as (...a: unknown[]) => unknown).apply(target, args);
          if (changes() !== before) await durable();
          return result;
        };
      },
    });
  return {
    receipts: wrap(repos.receipts),
    batches: wrap(repos.batches),
    apiKeys: wrap(repos.apiKeys),
    nonces: wrap(repos.nonces),
    idempotency: wrap(repos.idempotency),
    fees: wrap(repos.fees),
  };
}
