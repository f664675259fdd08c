import { createHash, randomBytes } from "node:crypto";
import { type Address, type Hex, getAddress, isAddress } from "viem";
import type { ApiKeyRecord, RelayerStore } from "../store";
import { KhoError } from "../../protocol/errors";

/** Plaintext keys look like `kho_<43 base64url chars>`; only their sha256 is stored. */
const KEY_PATTERN = /^kho_[A-Za-z0-9_-]{43}$/;

export class ApiKeyError extends KhoError {
  override readonly name = "ApiKeyError";
  readonly code = "api_key_invalid";
}

export type CreateApiKeyParameters = { owner: Address | string; label: string; now?: number };
export type CreateApiKeyReturnType = { key: string; record: ApiKeyRecord };

export function hashApiKey(key: string): Hex {
  return `0x${createHash("sha256").update(key, "utf8").digest("hex")}`;
}

/** Issues a key to `owner`. The plaintext is returned once and never stored. */
export async function createApiKey(
  store: RelayerStore,
  params: CreateApiKeyParameters,
): Promise<CreateApiKeyReturnType> {
  if (typeof params.owner !== "string" || !isAddress(params.owner, { strict: false })) {
    throw new ApiKeyError(`API key owner ${String(params.owner)} is not an address.`);
  }
  const label = typeof params.label === "string" ? params.label.trim() : "";
  if (label.length === 0 || label.length > 100) throw new ApiKeyError("API key label must be 1 to 100 characters.");
  const key = `kho_${randomBytes(32).toString("base64url")}`;
  const record = {
    id: `key_${randomBytes(8).toString("hex")}`,
    prefix: key.slice(0, 12),
    owner: getAddress(params.owner),
    label,
    createdAt: params.now ?? Math.floor(Date.now() / 1000),
  };
  await store.apiKeys.insert(record, hashApiKey(key));
  return { key, record: { ...record, revokedAt: null } };
}

/** Revokes a key by id; throws when there is no such active key. */
export async function revokeApiKey(
  store: RelayerStore,
  id: string,
  now = Math.floor(Date.now() / 1000),
): Promise<ApiKeyRecord> {
  if (!(await store.apiKeys.revoke(id, now))) {
    const existing = await store.apiKeys.get(id);
    throw new ApiKeyError(existing ? `API key ${id} is already revoked.` : `There is no API key ${id}.`);
  }
  const record = await store.apiKeys.get(id);
  if (!record) throw new ApiKeyError(`There is no API key ${id}.`);
  return record;
}

/** Every key (or one owner's keys), revoked ones included; never the plaintext. */
export async function listApiKeys(
  store: RelayerStore,
  params: { owner?: Address | string } = {},
): Promise<ApiKeyRecord[]> {
  if (params.owner !== undefined && !isAddress(params.owner, { strict: false })) {
    throw new ApiKeyError(`API key owner ${params.owner} is not an address.`);
  }
  return store.apiKeys.list(params.owner === undefined ? undefined : getAddress(params.owner));
}

/** The active key record for a presented plaintext key, or null. */
export async function authenticateApiKey(store: RelayerStore, presented: string): Promise<ApiKeyRecord | null> {
  if (!KEY_PATTERN.test(presented)) return null;
  // Looking up by the hash of the presented key leaks nothing useful through timing: an attacker
  // would have to find sha256 preimages to steer the index search.
  return store.apiKeys.findActiveByHash(hashApiKey(presented));
}
