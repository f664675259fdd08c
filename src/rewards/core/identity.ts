import type { Hex } from "viem";
import { UserKind, userIdAddress } from "../../protocol/receipt";
import { RewardsInputError } from "./errors";

/**
 * A user identity as the calculator counts it. Wallet (1) and key-owner (2) ids are the same
 * person when the address matches, so both map to `a:<address>`; salted pseudonyms (0) live in
 * their own space `s:<hash>`. Lower-case so input casing never changes a result. The same key on
 * two models is one identity with one budget.
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

export type ClassifyIdentityParameters = {
  identity: UserIdentity;
  /** Lower-case payers of the identity's calls on the model. */
  payers: Iterable<string>;
  /** Lower-case builder and operator addresses of the model. */
  selfAddresses: ReadonlySet<string>;
  /** The home community's members when they count (model admitted, community recognized), else null. */
  countedMembers: ReadonlySet<string> | null;
};

/**
 * Self-usage first: the model's builder or operator using it, or paying for someone's use of it,
 * earns nothing, even when they are also a member. Membership counts only where someone answers
 * for it (a recognized community that admitted the model); pseudonyms can never prove it.
 */
export function classifyIdentity(parameters: ClassifyIdentityParameters): IdentityClass {
  const { identity, payers, selfAddresses, countedMembers } = parameters;
  if (identity.address !== null && selfAddresses.has(identity.address)) return "self";
  for (const payer of payers) if (selfAddresses.has(payer)) return "self";
  if (identity.address === null || countedMembers === null) return "nonMember";
  return countedMembers.has(identity.address) ? "member" : "nonMember";
}
