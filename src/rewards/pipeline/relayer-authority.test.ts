import { getAddress } from "viem";
import { describe, expect, it } from "vitest";
import type { RelayerEvent } from "./chain-history";
import { relayerAuthority } from "./relayer-authority";

const R = getAddress("0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
const event = (timestamp: bigint, added: boolean): RelayerEvent => ({
  block: timestamp,
  logIndex: 0,
  timestamp,
  relayer: R,
  added,
});

describe("relayerAuthority", () => {
  const authority = relayerAuthority([event(100n, true), event(200n, false), event(300n, true)]);

  it("authorizes within each half-open interval the role was held, however the address is spelled", () => {
    for (const spelling of [R, R.toLowerCase() as typeof R]) {
      expect([99n, 100n, 199n, 200n, 299n, 300n, 10n ** 12n].map((t) => authority.authorizedAt(spelling, t))).toEqual([
        false,
        true,
        true,
        false,
        false,
        true,
        true,
      ]);
    }
  });

  it("never authorizes a key that never held the role", () => {
    expect(authority.authorizedAt(getAddress("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc"), 150n)).toBe(false);
  });
});
