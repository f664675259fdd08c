import type { Address } from "viem";
import { KhoInputError } from "../../errors";
import { toAddress } from "../../validate";

/** CommunityRegistry accepts 1..200 addresses per addMembers / removeMembers call. */
export const MAX_MEMBER_BATCH = 200;

/** Validates, checksums and de-duplicates `members`, then splits them into contract-sized batches. */
export function memberBatches(members: readonly string[]): Address[][] {
  if (members.length === 0) throw new KhoInputError("give at least one member address");
  const unique = [...new Set(members.map((m) => toAddress(m, "member")))];
  const batches: Address[][] = [];
  for (let i = 0; i < unique.length; i += MAX_MEMBER_BATCH) batches.push(unique.slice(i, i + MAX_MEMBER_BATCH));
  return batches;
}
