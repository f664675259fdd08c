import type { Address, Hex } from "viem";

/** Who is calling, once authenticated. */
export type Caller =
  | { kind: "apiKey"; keyId: string; owner: Address }
  | { kind: "wallet"; user: Address; nonce: bigint; deadline: bigint; maxFee: bigint; digest: Hex };

/** Whose escrow pays for the caller's calls: the API key's owner, or the signing wallet. */
export function callerPayer(caller: Caller): Address {
  return caller.kind === "apiKey" ? caller.owner : caller.user;
}

/** Stable id used to scope rate limits and idempotency keys. */
export function callerId(caller: Caller): string {
  return caller.kind === "apiKey" ? `key:${caller.keyId}` : `wallet:${caller.user}`;
}
