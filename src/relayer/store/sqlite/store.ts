import type { RelayerStore, StoreTx } from "../types";
import { type SqliteDatabase, openDatabase } from "./database";
import { prepareStatements, sqliteRepos } from "./repos";

/**
 * The embedded store: one SQLite file, one process. Transactions are IMMEDIATE (they take the
 * file's write lock at BEGIN) and run one at a time; a statement issued outside a transaction while
 * one is open waits for it to end, since on this single connection it would otherwise run inside it.
 */
export type SqliteRelayerStore = RelayerStore & {
  /** The connection, for inspection (tests, the CLI); the store's own writes go through its methods. */
  readonly db: SqliteDatabase;
};

export function openSqliteStore(file: string): SqliteRelayerStore {
  const db = openDatabase(file);
  const statements = prepareStatements(db);
  let busy: Promise<void> | null = null;
  const outsideRepos = sqliteRepos(statements, () => busy);
  const tx: StoreTx = {
    ...sqliteRepos(statements, () => null),
    async savepoint<T>(fn: () => Promise<T>): Promise<T> {
      db.exec("SAVEPOINT write");
      try {
        const result = await fn();
        db.exec("RELEASE write");
        return result;
      } catch (error) {
        db.exec("ROLLBACK TO write; RELEASE write");
        throw error;
      }
    },
  };
  let healthProbe: ReturnType<typeof db.prepare> | null = null;

  async function transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    while (busy) await busy;
    let done!: () => void;
    busy = new Promise<void>((resolve) => (done = resolve));
    try {
      db.exec("BEGIN IMMEDIATE");
      try {
        const result = await fn(tx);
        db.exec("COMMIT");
        return result;
      } catch (error) {
        if (db.inTransaction) db.exec("ROLLBACK");
        throw error;
      }
    } finally {
      busy = null;
      done();
    }
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
      db.close();
    },
  };
}
