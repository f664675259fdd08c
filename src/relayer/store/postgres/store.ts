import pg from "pg";
import type { RelayerStore, StoreTx } from "../types";
import { PG_MIGRATIONS } from "./migrations";
import { PgRateLimits, type Queryable, pgRepos } from "./repos";

const INT8_OID = 20;
/** Serializes schema migrations of replicas that start at the same moment. */
const MIGRATION_LOCK = 0x6b686f;

/**
 * BIGINT columns read as numbers: every one of them holds an id, a count or a time below 2^53
 * (token amounts are NUMERIC and read as strings, then BigInt).
 */
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID && format !== "binary"
      ? Number
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await client.query(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    );
    const applied = new Set(
      (await client.query<{ version: number }>("SELECT version FROM schema_migrations")).rows.map((r) => r.version),
    );
    for (const migration of PG_MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [
        migration.version,
        migration.name,
        Math.floor(Date.now() / 1000),
      ]);
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  } finally {
    client.release();
  }
}

/**
 * The store shared by relayer replicas: one PostgreSQL database (`postgres://` URL). Calls outside
 * a transaction each run on a pooled connection; a transaction holds one connection from BEGIN to
 * COMMIT (READ COMMITTED; fee checks take a per-payer lock, see FeesStore.lockPayer).
 */
export async function openPostgresStore(url: string): Promise<RelayerStore> {
  const pool = new pg.Pool({
    connectionString: url,
    // Ten connections per replica: transactions are short (no network call is made inside one).
    max: 10,
    types,
    application_name: "kho-relayer",
  });
  // An idle connection that dies (the server restarted) is replaced on next use; without a listener
  // its error event would crash the process.
  pool.on("error", () => undefined);
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  const queryable: Queryable = pool;

  async function transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    let savepoints = 0;
    const tx: StoreTx = {
      ...pgRepos(client),
      async savepoint<S>(inner: () => Promise<S>): Promise<S> {
        const name = `write_${++savepoints}`;
        await client.query(`SAVEPOINT ${name}`);
        try {
          const result = await inner();
          await client.query(`RELEASE SAVEPOINT ${name}`);
          return result;
        } catch (error) {
          await client.query(`ROLLBACK TO SAVEPOINT ${name}`);
          throw error;
        }
      },
    };
    let broken: Error | undefined;
    try {
      await client.query("BEGIN");
      const result = await fn(tx);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      try {
        await client.query("ROLLBACK");
      } catch (rollbackError) {
        // The connection itself failed: drop it from the pool rather than reuse it.
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  return {
    backend: "postgres",
    ...pgRepos(queryable),
    rateLimits: new PgRateLimits(queryable),
    groupCommit: false,
    transaction,
    async isWritable() {
      try {
        // A standby or a read-only default answers on, and every write there would fail.
        const [row] = (
          await pool.query<{ writable: boolean }>("SELECT current_setting('transaction_read_only') = 'off' AS writable")
        ).rows;
        return row?.writable === true;
      } catch {
        return false;
      }
    },
    close: () => pool.end(),
  };
}
