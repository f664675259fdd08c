import Database from "better-sqlite3";
import pg from "pg";

/**
 * PostgreSQL conditions a retry a moment later can get past: a serialization failure or deadlock,
 * a lock wait cut short, a server starting, shutting down or out of connections.
 */
const PG_RETRYABLE = new Set(["40001", "40P01", "55P03", "57P01", "57P03", "53300"]);
/** Node's errors when the database server cannot be reached at all. */
const UNREACHABLE = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND"]);

/**
 * Whether `error` (or an error it wraps) says the store is busy or briefly unreachable rather than
 * broken: SQLite's BUSY/LOCKED after its short busy_timeout, or the PostgreSQL conditions above. The
 * HTTP layer answers these 503 store_busy with Retry-After.
 */
export function isStoreBusy(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof Database.SqliteError) return /^SQLITE_(BUSY|LOCKED)/.test(cause.code);
    if (cause instanceof pg.DatabaseError) return PG_RETRYABLE.has(cause.code ?? "");
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "string" && UNREACHABLE.has(code)) return true;
  }
  return false;
}
