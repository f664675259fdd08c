import fc from "fast-check";
import { type Address, type Hex, bytesToHex, getAddress, hashTypedData } from "viem";
import { generatePrivateKey, privateKeyToAccount, signTypedData } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { receiptTypes, usageLedgerDomain } from "./eip712";
import {
  type InferenceReceipt,
  type LedgerDomain,
  UserKind,
  ZERO_BYTES32,
  hashReceipt,
  recoverReceiptSigner,
} from "./receipt";
import { receiptDigest, receiptDomainSeparator } from "./receipt-digest";
import { MAX_ATTRIBUTED_ENTRIES, attributionHash } from "./attribution";

/** The reference: what hashReceipt returned before the byte path, and what the relayer's peers compute. */
function viemHash(receipt: InferenceReceipt, domain: LedgerDomain): Hex {
  return hashTypedData({
    domain: usageLedgerDomain(domain.chainId, domain.ledger),
    types: receiptTypes,
    primaryType: "InferenceReceipt",
    message: receipt,
  });
}

/** Any casing of the same digits: the digest must depend on the bytes, not on how they are spelled. */
function mixedCase(hex: string, flips: readonly boolean[]): Hex {
  let out = "0x";
  for (let i = 2; i < hex.length; i++) out += flips[i % flips.length] ? hex[i]!.toUpperCase() : hex[i]!;
  return out as Hex;
}

const flips = fc.array(fc.boolean(), { minLength: 1, maxLength: 64 });
const bytes32 = fc
  .tuple(
    fc.oneof(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.constantFrom(new Uint8Array(32), new Uint8Array(32).fill(255)),
    ),
    flips,
  )
  .map(([b, f]) => mixedCase(bytesToHex(b), f));
const extremes = (max: bigint) => fc.constantFrom(0n, 1n, max, max - 1n, 2n ** 64n - 1n > max ? max : 2n ** 64n - 1n);
const uint256 = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }), extremes(2n ** 256n - 1n));
const uint64 = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), extremes(2n ** 64n - 1n));

const attributionArb = fc.array(
  fc.record({
    contentHash: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => bytesToHex(b)),
    entryId: fc.stringMatching(/^[a-z0-9]+(-[a-z0-9]+)*$/),
  }),
  { minLength: 1, maxLength: MAX_ATTRIBUTED_ENTRIES },
);

const receiptArb: fc.Arbitrary<InferenceReceipt> = fc.record({
  requestId: bytes32,
  modelId: uint256,
  deploymentId: uint256,
  communityId: uint256,
  userId: bytes32,
  userKind: fc.constantFrom(UserKind.SaltedHash, UserKind.Wallet, UserKind.KeyOwner),
  inputHash: bytes32,
  outputHash: bytes32,
  timestamp: uint64,
  epoch: uint64,
  fee: uint256,
  // Lower-case or checksummed: viem refuses a mixed-case address with a wrong checksum.
  payer: fc
    .tuple(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.boolean())
    .map(([b, checksummed]) => (checksummed ? getAddress(bytesToHex(b)) : (bytesToHex(b) as Address))),
  userAuth: bytes32,
  // Mostly what a relayer signs: zero (nothing cited) or the hash of a cited list; random bytes too.
  attributionHash: fc.oneof(
    fc.constant(ZERO_BYTES32),
    attributionArb.map((list) => attributionHash(list)),
    bytes32,
  ),
});

const domainArb: fc.Arbitrary<LedgerDomain> = fc.record({
  chainId: fc.oneof(
    fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    fc.bigInt({ min: 0n, max: BigInt(Number.MAX_SAFE_INTEGER) }),
    fc.constantFrom(1, 31337, 8453n),
  ),
  ledger: fc
    .tuple(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.boolean())
    .map(([b, checksummed]) => (checksummed ? getAddress(bytesToHex(b)) : (bytesToHex(b) as Address))),
});

const domain: LedgerDomain = { chainId: 31337, ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3" };

function sample(): InferenceReceipt {
  const b = (n: number): Hex => `0x${n.toString(16).padStart(64, "0")}`;
  return {
    requestId: b(1),
    modelId: 1n,
    deploymentId: 2n,
    communityId: 3n,
    userId: b(0xabc),
    userKind: UserKind.SaltedHash,
    inputHash: b(7),
    outputHash: b(8),
    timestamp: 1_700_000_000n,
    epoch: 5n,
    fee: 10n ** 18n,
    payer: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    userAuth: ZERO_BYTES32,
    attributionHash: attributionHash([{ contentHash: b(9), entryId: "ca-kho-to" }]),
  };
}

describe("receipt digest over bytes", () => {
  it("equals viem's hashTypedData for random receipts and domains", () => {
    fc.assert(
      fc.property(receiptArb, domainArb, (receipt, d) => {
        const expected = viemHash(receipt, d);
        expect(hashReceipt(receipt, d)).toBe(expected);
        expect(bytesToHex(receiptDigest(receipt, d))).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it("equals viem at the extremes of every integer field", () => {
    for (const value of [0n, 2n ** 64n - 1n]) {
      const r = { ...sample(), modelId: value, deploymentId: value, communityId: value, fee: value };
      const rr = { ...r, timestamp: value, epoch: value };
      expect(hashReceipt(rr, domain)).toBe(viemHash(rr, domain));
    }
    const max = 2n ** 256n - 1n;
    const r = { ...sample(), modelId: max, deploymentId: max, communityId: max, fee: max };
    expect(hashReceipt(r, domain)).toBe(viemHash(r, domain));
  });

  it("returns fresh bytes on every call, and a stable domain separator", () => {
    const a = receiptDigest(sample(), domain);
    const b = receiptDigest({ ...sample(), fee: 0n }, domain);
    expect(bytesToHex(a)).not.toBe(bytesToHex(b));
    expect(bytesToHex(a)).toBe(viemHash(sample(), domain));
    expect(receiptDomainSeparator(domain)).toBe(receiptDomainSeparator({ ...domain }));
  });

  it("round-trips: a receipt signed with viem recovers to the signer", async () => {
    const privateKey = generatePrivateKey();
    const account = privateKeyToAccount(privateKey);
    await fc.assert(
      fc.asyncProperty(receiptArb, domainArb, async (receipt, d) => {
        const signature = await signTypedData({
          privateKey,
          domain: usageLedgerDomain(d.chainId, d.ledger),
          types: receiptTypes,
          primaryType: "InferenceReceipt",
          message: receipt,
        });
        expect(await recoverReceiptSigner(receipt, signature, d)).toBe(account.address);
        // What the signing worker does: sign the byte-path digest directly.
        expect(await account.sign({ hash: hashReceipt(receipt, d) })).toBe(signature);
        const other = { ...receipt, userKind: ((receipt.userKind + 1) % 3) as UserKind };
        expect(await recoverReceiptSigner(other, signature, d)).not.toBe(account.address);
        // The signature covers the attribution: citing other entries (or none) changes the signer.
        const uncited = receipt.attributionHash === ZERO_BYTES32 ? sample().attributionHash : ZERO_BYTES32;
        expect(await recoverReceiptSigner({ ...receipt, attributionHash: uncited }, signature, d)).not.toBe(
          account.address,
        );
      }),
      { numRuns: 25 },
    );
  });

  describe("rejects what viem would refuse, naming the field", () => {
    // The last flag marks inputs viem accepts but the byte path refuses on purpose.
    const cases: [string, Partial<Record<keyof InferenceReceipt, unknown>>, RegExp, boolean?][] = [
      ["a negative uint256", { modelId: -1n }, /^modelId -1 is outside the uint256 range/],
      ["a uint256 of 2^256", { fee: 2n ** 256n }, /^fee \d+ is outside the uint256 range/],
      ["a uint64 of 2^64", { timestamp: 2n ** 64n }, /^timestamp 18446744073709551616 is outside the uint64 range/],
      ["a negative uint64", { epoch: -1n }, /^epoch -1 is outside the uint64 range/],
      ["a uint8 of 256", { userKind: 256 }, /^userKind 256 is outside the uint8 range/],
      ["a negative uint8", { userKind: -1 }, /^userKind -1 is outside the uint8 range/],
      ["a fractional number", { userKind: 1.5 }, /^userKind 1.5 is not a safe integer/],
      ["an unsafe number", { deploymentId: 2 ** 60 }, /^deploymentId \d+ is not a safe integer/, true],
    ];
    for (const [name, patch, message, stricterThanViem] of cases) {
      it(`${name} with a RangeError`, () => {
        const r = { ...sample(), ...patch } as InferenceReceipt;
        expect(() => hashReceipt(r, domain)).toThrow(RangeError);
        expect(() => hashReceipt(r, domain)).toThrow(message);
        // viem refuses the same receipt, so the byte path is not more permissive than the reference.
        if (!stricterThanViem) expect(() => viemHash(r, domain)).toThrow();
      });
    }

    const malformed: [string, string][] = [
      ["63 hex digits", `0x${"a".repeat(63)}`],
      ["65 hex digits", `0x${"a".repeat(65)}`],
      ["31 bytes", `0x${"ab".repeat(31)}`],
      ["no 0x prefix", "ab".repeat(33)],
      ["an uppercase 0X prefix", `0X${"ab".repeat(32)}`],
      ["a non-hex digit", `0x${"ab".repeat(31)}zz`],
      ["a non-ASCII digit", `0x${"ab".repeat(31)}a\u0660`],
    ];
    for (const [name, value] of malformed) {
      it(`bytes32 with ${name}`, () => {
        for (const field of [
          "requestId",
          "userId",
          "inputHash",
          "outputHash",
          "userAuth",
          "attributionHash",
        ] as const) {
          const r = { ...sample(), [field]: value } as InferenceReceipt;
          expect(() => hashReceipt(r, domain)).toThrow(RangeError);
          expect(() => hashReceipt(r, domain)).toThrow(new RegExp(`^${field} `));
        }
      });
    }

    it("wrong JS types with a TypeError", () => {
      expect(() => hashReceipt({ ...sample(), fee: "1" } as unknown as InferenceReceipt, domain)).toThrow(
        /^fee must be a bigint/,
      );
      expect(() => hashReceipt({ ...sample(), userId: undefined } as unknown as InferenceReceipt, domain)).toThrow(
        TypeError,
      );
      expect(() => hashReceipt(null as unknown as InferenceReceipt, domain)).toThrow(/^receipt must be an object/);
    });

    it("a bad domain", () => {
      const r = sample();
      expect(() => hashReceipt(r, { chainId: -1, ledger: domain.ledger })).toThrow(/^domain\.chainId -1/);
      expect(() => hashReceipt(r, { chainId: 2n ** 53n, ledger: domain.ledger })).toThrow(RangeError);
      expect(() => hashReceipt(r, { chainId: 1, ledger: "0x1234" as Address })).toThrow(/^domain\.ledger 0x1234/);
      // A wrong EIP-55 checksum fails every time, even after the lowercase spelling was cached.
      const lower = domain.ledger.toLowerCase() as Address;
      const badChecksum = domain.ledger.replace("0x5F", "0x5f") as Address;
      expect(hashReceipt(r, { chainId: 31337, ledger: lower })).toBe(hashReceipt(r, domain));
      expect(() => hashReceipt(r, { chainId: 31337, ledger: badChecksum })).toThrow(/wrong EIP-55 checksum/);
      expect(() => hashReceipt(r, { chainId: 31337, ledger: badChecksum })).toThrow(RangeError);
    });
  });
});
