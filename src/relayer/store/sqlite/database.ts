import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { MIGRATIONS } from "./migrations";

export type SqliteDatabase = Database.Database;

/**
 * Opens (or creates) the relayer database. WAL lets readers run while the batcher writes. A
 * committed receipt must survive a power cut (the promise the relayer makes when it answers), but
 * the fsync that ensures it runs off the event loop: synchronous=NORMAL only writes the WAL at
 * COMMIT, and the store awaits an fsync of the WAL before a write resolves (wal-durability.ts).
 */
export function openDatabase(file: string): SqliteDatabase {
  if (file !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  // Short on purpose: a locked file answers 503 store_busy within 100 ms instead of stalling the
  // event loop (better-sqlite3 is synchronous) for every request behind it.
  db.pragma("busy_timeout = 100");
  migrate(db);
  return db;
}

export function migrate(db: SqliteDatabase): void {
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
  );
  const applied = new Set(
    db
      .prepare<[], { version: number }>("SELECT version FROM schema_migrations")
      .all()
      .map((r) => r.version),
  );
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(
        migration.version,
        migration.name,
        Math.floor(Date.now() / 1000),
      );
    })();
  }
}
