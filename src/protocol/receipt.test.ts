import fc from "fast-check";
import { type Address, type Hex, bytesToHex, encodeAbiParameters, getAddress, keccak256, toHex } from "viem";
import { describe, expect, it } from "vitest";
import { saltedUserId } from "./receipt";

/** The definition: keccak256(abi.encode(salt, keyOwner, keccak256(appUser))), computed by viem. */
function viemSaltedUserId(salt: Hex, keyOwner: Address, appUser: string): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "address" }, { type: "bytes32" }],
      [salt, keyOwner, keccak256(toHex(appUser))],
    ),
  );
}

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => bytesToHex(b));

describe("saltedUserId", () => {
  it("equals viem's abi.encode and keccak256 for any salt, owner (any casing) and app user", () => {
    fc.assert(
      fc.property(bytes(32), bytes(20), fc.boolean(), fc.string({ unit: "binary" }), (salt, owner, checksum, user) => {
        const keyOwner = (checksum ? getAddress(owner) : owner) as Address;
        expect(saltedUserId(salt, keyOwner, user)).toBe(viemSaltedUserId(salt, keyOwner, user));
      }),
      { numRuns: 300 },
    );
  });

  it("refuses a salt that is not 32 bytes and an owner that is not an address", () => {
    const owner = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
    expect(() => saltedUserId(`0x${"ab".repeat(31)}`, owner, "alice")).toThrow(RangeError);
    expect(() => saltedUserId(`0x${"ab".repeat(32)}`, "0x3c44CdDdB6a900fa2b585dd299e03d12FA4293BC", "alice")).toThrow(
      /not an address/,
    );
  });
});
