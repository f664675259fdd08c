import type { Address } from "viem";
import type { CommunityState } from "../core/types";
import type { CommunityEvent } from "./chain-history";

export type CommunitySnapshot = CommunityState & { members: Set<Address> };

/**
 * Community id → recognition and attested members just before `before`, replaying MemberAdded /
 * MemberRemoved and CommunityRecognized / CommunityRecognitionRevoked (a slash also revokes) in
 * chain order. A community never recognized is unrecognized: its members count as non-members.
 */
export function communitiesSnapshot(events: readonly CommunityEvent[], before: bigint): Map<bigint, CommunitySnapshot> {
  const communities = new Map<bigint, { recognized: boolean; members: Map<string, Address> }>();
  for (const e of events) {
    if (e.timestamp >= before) continue;
    let community = communities.get(e.communityId);
    if (!community) {
      community = { recognized: false, members: new Map() };
      communities.set(e.communityId, community);
    }
    if (e.kind === "recognition") community.recognized = e.recognized;
    else if (e.added) community.members.set(e.member.toLowerCase(), e.member);
    else community.members.delete(e.member.toLowerCase());
  }
  return new Map(
    [...communities].map(([id, c]) => [id, { recognized: c.recognized, members: new Set(c.members.values()) }]),
  );
}
