import { getAddress } from "viem";
import { describe, expect, it } from "vitest";
import { type SignedReceiptJson, signedReceiptFromJsonFast, signedReceiptSchema } from "./receipt-json";

const payer = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc";
const word = (c: string) => `0x${c.repeat(64)}`;
const valid: SignedReceiptJson = {
  requestId: word("a") as SignedReceiptJson["requestId"],
  modelId: "1",
  deploymentId: "2",
  communityId: "3",
  userId: word("0") as SignedReceiptJson["userId"],
  userKind: 0,
  inputHash: word("b") as SignedReceiptJson["inputHash"],
  outputHash: word("c") as SignedReceiptJson["outputHash"],
  timestamp: "1750000000",
  epoch: "4",
  fee: "10000000000000000",
  payer: payer as SignedReceiptJson["payer"],
  userAuth: word("0") as SignedReceiptJson["userAuth"],
  attributionHash: word("0") as SignedReceiptJson["attributionHash"],
  hash: word("d") as SignedReceiptJson["hash"],
  signature: `0x${"e".repeat(130)}` as SignedReceiptJson["signature"],
};

const entry = { contentHash: word("9"), entryId: "ca-kho-to" };
// The format only: whether the list hashes to attributionHash is the batch file's check.
const citing = { ...valid, attributionHash: word("8"), attribution: [entry] };

/** Variants around every rule of the schema: each must get the schema's answer or null from the fast path. */
const variants: [string, unknown][] = [
  ["valid", valid],
  ["upper-case hex", { ...valid, requestId: word("A"), hash: word("F") }],
  ["checksummed payer", { ...valid, payer: getAddress(payer) }],
  ["wrong checksum", { ...valid, payer: "0x3C44cdddb6a900fa2b585dd299e03d12fa4293bc" }],
  ["all upper-case payer", { ...valid, payer: `0x${payer.slice(2).toUpperCase()}` }],
  ["extra key", { ...valid, extra: 1 }],
  ["missing key", { ...valid, userAuth: undefined }],
  ["uint256 max", { ...valid, fee: (2n ** 256n - 1n).toString() }],
  ["uint256 overflow", { ...valid, fee: (2n ** 256n).toString() }],
  ["uint64 overflow", { ...valid, timestamp: (2n ** 64n).toString() }],
  ["leading zero", { ...valid, modelId: "01" }],
  ["user kind 3", { ...valid, userKind: 3 }],
  ["user kind as string", { ...valid, userKind: "1" }],
  ["short signature", { ...valid, signature: "0x1234" }],
  ["number field", { ...valid, epoch: 4 }],
  ["array", [valid]],
  ["citing one entry", citing],
  [
    "citing the most entries",
    { ...citing, attribution: Array.from({ length: 16 }, (_, i) => ({ ...entry, entryId: `e-${i}` })) },
  ],
  [
    "citing too many entries",
    { ...citing, attribution: Array.from({ length: 17 }, (_, i) => ({ ...entry, entryId: `e-${i}` })) },
  ],
  ["empty attribution", { ...valid, attribution: [] }],
  ["null attribution", { ...valid, attribution: null }],
  ["attribution not a list", { ...valid, attribution: entry }],
  ["upper-case content hash", { ...citing, attribution: [{ ...entry, contentHash: word("A") }] }],
  ["entry id with a space", { ...citing, attribution: [{ ...entry, entryId: "ca kho" }] }],
  ["entry with an extra key", { ...citing, attribution: [{ ...entry, version: 1 }] }],
  ["entry missing its id", { ...citing, attribution: [{ contentHash: entry.contentHash }] }],
  ["entry that is a list", { ...citing, attribution: [[entry.contentHash, entry.entryId]] }],
  ["missing attributionHash", { ...valid, attributionHash: undefined }],
  ["null", null],
];

describe("signedReceiptFromJsonFast", () => {
  it.each(variants)("gives the schema's result or null: %s", (_, json) => {
    const fast = signedReceiptFromJsonFast(json);
    const schema = signedReceiptSchema.safeParse(json);
    if (fast !== null) expect(schema.success && schema.data).toEqual(fast);
  });

  it("takes the fast path for receipts as relayers write them", () => {
    expect(signedReceiptFromJsonFast(valid)).not.toBeNull();
    expect(signedReceiptFromJsonFast({ ...valid, payer: getAddress(payer) })).not.toBeNull();
    expect(signedReceiptFromJsonFast(citing)?.attribution).toEqual([entry]);
    expect(signedReceiptFromJsonFast(valid)).not.toHaveProperty("attribution");
  });
});
