import type { Address, Hex } from "viem";

/** Who is calling, once authenticated. */
export type Caller =
  | { kind: "apiKey"; keyId: string; owner: Address }
  | { kind: "wallet"; user: Address; nonce: bigint; deadline: bigint; digest: Hex };

/** Stable id used to scope rate limits and idempotency keys. */
export function callerId(caller: Caller): string {
  return caller.kind === "apiKey" ? `key:${caller.keyId}` : `wallet:${caller.user}`;
}
