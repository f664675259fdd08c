import { openPostgresStore } from "./postgres/store";
import { openSqliteStore } from "./sqlite/store";
import type { RelayerStore } from "./types";

export type { ApiKeyRecord, NewReceipt, RelayerStore, StoreTx, StoredBatch, StoredReceipt } from "./types";
export { type SqliteRelayerStore, openSqliteStore } from "./sqlite/store";

/** Whether KHO_RELAYER_DB names a PostgreSQL database rather than a SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/**
 * Opens the relayer store named by KHO_RELAYER_DB: a `postgres://` URL is a database shared by
 * replicas, anything else a SQLite file (created with its directory when missing). Migrates the
 * schema before resolving.
 */
export async function openStore(location: string): Promise<RelayerStore> {
  return isPostgresUrl(location) ? openPostgresStore(location) : openSqliteStore(location);
}
