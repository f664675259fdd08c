import type { Address } from "viem";
import type { RelayerEvent } from "./chain-history";

/** When each key held UsageLedger's RELAYER_ROLE, as half-open [from, to) second intervals. */
export type RelayerAuthority = {
  /** Whether `relayer` was authorized at unix second `timestamp`. */
  authorizedAt(relayer: Address, timestamp: bigint): boolean;
};

export function relayerAuthority(events: readonly RelayerEvent[]): RelayerAuthority {
  const intervals = new Map<string, { from: bigint; to: bigint | null }[]>();
  for (const e of events) {
    const key = e.relayer.toLowerCase();
    let list = intervals.get(key);
    if (!list) {
      list = [];
      intervals.set(key, list);
    }
    const open = list.at(-1);
    if (e.added) {
      if (!open || open.to !== null) list.push({ from: e.timestamp, to: null });
    } else if (open && open.to === null) {
      open.to = e.timestamp;
    }
  }
  // Asked once per receipt with a batch's relayer as spelled there: its intervals are found by that spelling.
  const bySpelling = new Map<string, { from: bigint; to: bigint | null }[] | undefined>();
  return {
    authorizedAt(relayer, timestamp) {
      let list = bySpelling.get(relayer);
      if (list === undefined && !bySpelling.has(relayer)) {
        list = intervals.get(relayer.toLowerCase());
        bySpelling.set(relayer, list);
      }
      if (list === undefined) return false;
      for (const i of list) if (i.from <= timestamp && (i.to === null || timestamp < i.to)) return true;
      return false;
    },
  };
}
