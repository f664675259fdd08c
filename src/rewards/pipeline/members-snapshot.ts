import type { Address } from "viem";
import type { MemberEvent } from "./chain-history";

/** Community id → attested members just before `before` (MemberAdded / MemberRemoved replayed in chain order). */
export function membersSnapshot(events: readonly MemberEvent[], before: bigint): Map<bigint, Set<Address>> {
  const members = new Map<bigint, Map<string, Address>>();
  for (const e of events) {
    if (e.timestamp >= before) continue;
    let set = members.get(e.communityId);
    if (!set) {
      set = new Map();
      members.set(e.communityId, set);
    }
    if (e.added) set.set(e.member.toLowerCase(), e.member);
    else set.delete(e.member.toLowerCase());
  }
  return new Map([...members].map(([id, set]) => [id, new Set(set.values())]));
}
