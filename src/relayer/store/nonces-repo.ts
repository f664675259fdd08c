import type { Address } from "viem";
import type { SqliteDatabase } from "./database";

/** Nonces of wallet-signed requests already accepted; a nonce is good for one request per user. */
export class NoncesRepo {
  constructor(private readonly db: SqliteDatabase) {}

  /** Claims the nonce; false when it was already used (the request is a replay). */
  claim(user: Address, nonce: bigint, at: number): boolean {
    return (
      this.db
        .prepare("INSERT OR IGNORE INTO wallet_nonces (user, nonce, used_at) VALUES (?, ?, ?)")
        .run(user, nonce.toString(), at).changes === 1
    );
  }

  release(user: Address, nonce: bigint): void {
    this.db.prepare("DELETE FROM wallet_nonces WHERE user = ? AND nonce = ?").run(user, nonce.toString());
  }
}
