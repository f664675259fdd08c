import type { Hex } from "viem";
import { UserKind, userIdAddress } from "../../protocol/receipt";
import { RewardsInputError } from "./errors";
import { BPS } from "./fixed-point";

/**
 * A user identity as the calculator counts it. Wallet (1) and key-owner (2) ids are the same
 * person when the address matches, so both map to `a:<address>`; salted pseudonyms (0) live in
 * their own space `s:<hash>`. Lower-case so input casing never changes a result.
 */
export type UserIdentity = { key: string; address: string | null };

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

export function userIdentity(userId: Hex, userKind: number): UserIdentity {
  if (typeof userId !== "string" || !BYTES32.test(userId)) {
    throw new RewardsInputError(`User id ${String(userId)} is not a 32-byte hex string.`);
  }
  if (userKind === UserKind.SaltedHash) return { key: `s:${userId.toLowerCase()}`, address: null };
  if (userKind !== UserKind.Wallet && userKind !== UserKind.KeyOwner) {
    throw new RewardsInputError(`User kind ${String(userKind)} is not 0 (salted hash), 1 (wallet) or 2 (key owner).`);
  }
  if (!/^0x0{24}/.test(userId)) {
    throw new RewardsInputError(`User id ${userId} of an address kind is not a left-padded address.`);
  }
  const address = userIdAddress(userId, userKind)!.toLowerCase();
  return { key: `a:${address}`, address };
}

export type IdentityClass = "member" | "nonMember" | "self";

/**
 * Self-usage first: a builder or operator of the model using it earns nothing, even when they are
 * also a community member. Pseudonyms can never prove membership, so they count as non-members.
 */
export function classifyIdentity(
  identity: UserIdentity,
  selfAddresses: ReadonlySet<string>,
  communityMembers: ReadonlySet<string> | undefined,
): IdentityClass {
  if (identity.address === null) return "nonMember";
  if (selfAddresses.has(identity.address)) return "self";
  return communityMembers?.has(identity.address) ? "member" : "nonMember";
}

/** Weight in basis points for an identity class. */
export function identityWeightBps(identityClass: IdentityClass, nonMemberWeightBps: number): bigint {
  if (identityClass === "self") return 0n;
  return identityClass === "member" ? BPS : BigInt(nonMemberWeightBps);
}
