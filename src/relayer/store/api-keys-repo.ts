import type { Address, Hex } from "viem";
import type { SqliteDatabase } from "./database";

export type ApiKeyRecord = {
  id: string;
  prefix: string;
  owner: Address;
  label: string;
  createdAt: number;
  revokedAt: number | null;
};

type ApiKeyRow = {
  id: string;
  prefix: string;
  owner: string;
  label: string;
  created_at: number;
  revoked_at: number | null;
};

function fromRow(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    prefix: row.prefix,
    owner: row.owner as Address,
    label: row.label,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

export class ApiKeysRepo {
  constructor(private readonly db: SqliteDatabase) {}

  insert(record: Omit<ApiKeyRecord, "revokedAt">, keyHash: Hex): void {
    this.db
      .prepare("INSERT INTO api_keys (id, key_hash, prefix, owner, label, created_at) VALUES (?, ?, ?, ?, ?, ?)")
      .run(record.id, keyHash, record.prefix, record.owner, record.label, record.createdAt);
  }

  findActiveByHash(keyHash: Hex): ApiKeyRecord | null {
    const row = this.db
      .prepare<[string], ApiKeyRow>("SELECT * FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL")
      .get(keyHash);
    return row ? fromRow(row) : null;
  }

  get(id: string): ApiKeyRecord | null {
    const row = this.db.prepare<[string], ApiKeyRow>("SELECT * FROM api_keys WHERE id = ?").get(id);
    return row ? fromRow(row) : null;
  }

  list(owner?: Address): ApiKeyRecord[] {
    const rows = owner
      ? this.db
          .prepare<[string], ApiKeyRow>("SELECT * FROM api_keys WHERE owner = ? ORDER BY created_at, id")
          .all(owner)
      : this.db.prepare<[], ApiKeyRow>("SELECT * FROM api_keys ORDER BY created_at, id").all();
    return rows.map(fromRow);
  }

  revoke(id: string, at: number): boolean {
    return (
      this.db.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL").run(at, id).changes ===
      1
    );
  }
}
