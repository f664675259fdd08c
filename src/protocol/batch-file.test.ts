import fc from "fast-check";
import { type Hex, bytesToHex, getAddress, keccak256, toHex } from "viem";
import { describe, expect, it } from "vitest";
import { type AttributedEntry, MAX_ATTRIBUTED_ENTRIES, attributionHash, normalizeAttribution } from "./attribution";
import { BatchFileError, batchSettlement, batchTree, parseBatchFile, serializeBatchFile } from "./batch-file";
import { type InferenceReceipt, UserKind, ZERO_BYTES32 } from "./receipt";
import type { SignedReceipt } from "./receipt-json";

const LEDGER = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const RELAYER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const OPERATOR = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
const PAYER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

function receipt(i: number, epoch = 2n): InferenceReceipt {
  return {
    requestId: keccak256(toHex(`r${i}`)),
    modelId: 3n,
    deploymentId: 4n,
    communityId: 5n,
    userId: keccak256(toHex(`u${i}`)),
    userKind: UserKind.KeyOwner,
    inputHash: keccak256(toHex("i")),
    outputHash: keccak256(toHex("o")),
    timestamp: 1_700_000_000n,
    epoch,
    fee: 10n ** 30n,
    payer: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    userAuth: ZERO_BYTES32,
    attributionHash: ZERO_BYTES32,
  };
}

// The format only needs 32-byte hashes and 65-byte signatures; whether they are true is the reader's business.
const signed = (i: number, epoch = 2n): SignedReceipt => ({
  receipt: receipt(i, epoch),
  hash: keccak256(toHex(`h${i}`)),
  signature: `0x${"ab".repeat(65)}`,
});

const DATASET_V1 = keccak256(toHex("vi-VN/home-cooking v1"));
const DATASET_V2 = keccak256(toHex("vi-VN/home-cooking v2"));

/** A receipt citing `entries`, listed normalized beside it, as a relayer writes it. */
const cited = (i: number, entries: AttributedEntry[]): SignedReceipt => ({
  ...signed(i),
  receipt: { ...receipt(i), attributionHash: attributionHash(entries) },
  attribution: normalizeAttribution(entries),
});

function write(
  receipts: readonly SignedReceipt[],
  epoch = 2n,
  operators: ReadonlyMap<bigint, Hex> = new Map(receipts.map((r) => [r.receipt.deploymentId, OPERATOR])),
) {
  return serializeBatchFile({
    chainId: 31337,
    ledger: LEDGER.toLowerCase() as Hex,
    relayer: RELAYER,
    batchId: 7n,
    epoch,
    root: receipts.length === 0 ? ZERO_BYTES32 : batchTree(receipts.map((r) => r.hash)).root,
    receipts,
    operators,
  });
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("serializeBatchFile", () => {
  it("writes the exact bytes of docs/protocol.md: fixed key order, sorted by hash, checksummed addresses", () => {
    const receipts = [signed(1), signed(2)];
    const [first, second] = [...receipts].sort((a, b) => (a.hash < b.hash ? -1 : 1));
    const receiptText = (r: SignedReceipt) =>
      `{"requestId":"${r.receipt.requestId}","modelId":"3","deploymentId":"4","communityId":"5",` +
      `"userId":"${r.receipt.userId}","userKind":2,"inputHash":"${r.receipt.inputHash}",` +
      `"outputHash":"${r.receipt.outputHash}","timestamp":"1700000000","epoch":"2",` +
      `"fee":"1000000000000000000000000000000","payer":"0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",` +
      `"userAuth":"${ZERO_BYTES32}","attributionHash":"${ZERO_BYTES32}","hash":"${r.hash}",` +
      `"signature":"${r.signature}"}`;
    const { bytes } = write(receipts);
    expect(text(bytes)).toBe(
      `{"version":1,"chainId":"31337","ledger":"${LEDGER}","relayer":"${RELAYER}","batchId":"7","epoch":"2",` +
        `"root":"${batchTree(receipts.map((r) => r.hash)).root}","receipts":[${receiptText(first!)},${receiptText(second!)}],` +
        `"settlement":{"charges":[{"payer":"${PAYER}","amount":"2000000000000000000000000000000"}],` +
        `"credits":[{"operator":"${OPERATOR}","amount":"2000000000000000000000000000000"}]}}`,
    );
    expect(text(write([...receipts].reverse()).bytes)).toBe(text(bytes));
  });

  it("lists a receipt's cited entries after its signature, normalized, and nothing for a receipt citing none", () => {
    const entries = [
      { contentHash: DATASET_V2, entryId: "pho-bo" },
      { contentHash: DATASET_V1, entryId: "ca-kho-to" },
    ];
    const json = write([cited(1, entries), signed(2)]).json;
    const [withList, without] = json.receipts.sort((a) => (a.attribution === undefined ? 1 : -1));
    expect(withList!.attributionHash).toBe(attributionHash(entries));
    expect(withList!.attribution).toEqual(normalizeAttribution(entries));
    expect(Object.keys(withList!).slice(-3)).toEqual(["hash", "signature", "attribution"]);
    expect(without!.attributionHash).toBe(ZERO_BYTES32);
    expect("attribution" in without!).toBe(false);
  });

  it("refuses to write a file readers would reject", () => {
    expect(() => write([])).toThrow("Cannot write batch file: receipts must hold at least one receipt.");
    expect(() => write([signed(1), signed(2, 3n)])).toThrow(
      /Cannot write batch file: receipt 0x[0-9a-f]{64} is of epoch 3, not 2\./,
    );
    expect(() => write([{ ...signed(1), signature: "0xabcd" }])).toThrow(
      "Cannot write batch file: receipts.0.signature must be a 65-byte hex signature.",
    );
    expect(() => write([{ ...signed(1), receipt: { ...receipt(1), fee: 2n ** 256n } }])).toThrow(BatchFileError);
    expect(() => write([signed(1)], 2n, new Map())).toThrow(
      /Cannot write batch file: receipt 0x[0-9a-f]{64} has a fee but no operator is known for deployment 4\./,
    );
    const entry = { contentHash: DATASET_V1, entryId: "ca-kho-to" };
    expect(() => write([{ ...signed(1), attribution: [entry] }])).toThrow(
      /^Cannot write batch file: receipt 0x[0-9a-f]{64} lists an attribution hashing to 0x[0-9a-f]{64}, not its signed attributionHash 0x0{64}\.$/,
    );
    expect(() => write([{ ...cited(1, [entry]), attribution: [] }])).toThrow(
      /^Cannot write batch file: receipt 0x[0-9a-f]{64} lists an attribution hashing to 0x0{64}, not its signed/,
    );
    const two = cited(1, [entry, { contentHash: DATASET_V2, entryId: "a" }]);
    expect(() => write([{ ...two, attribution: [...two.attribution!].reverse() }])).toThrow(
      /^Cannot write batch file: receipt 0x[0-9a-f]{64} lists its attribution out of order or with repeats/,
    );
    const half = { ...signed(1), receipt: { ...receipt(1), fee: 2n ** 255n } };
    expect(() => write([half, { ...half, hash: keccak256(toHex("other")) }])).toThrow(
      "Cannot write batch file: settlement.charges.0.amount must fit in uint256.",
    );
  });

  it("settles Σ fee per payer and per operator, sorted by address, leaving free calls out", () => {
    const other = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";
    const operatorB = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955";
    const receipts: SignedReceipt[] = [
      { ...signed(1), receipt: { ...receipt(1), fee: 5n, deploymentId: 1n } },
      { ...signed(2), receipt: { ...receipt(2), fee: 7n, deploymentId: 2n } },
      { ...signed(3), receipt: { ...receipt(3), fee: 11n, payer: other, deploymentId: 1n } },
      { ...signed(4), receipt: { ...receipt(4), fee: 0n, payer: RELAYER, deploymentId: 3n } },
    ];
    const operators = new Map<bigint, Hex>([
      [1n, OPERATOR],
      [2n, operatorB],
    ]);
    const { settlement } = parseBatchFile(write(receipts, 2n, operators).bytes);
    expect(settlement).toEqual({
      charges: [
        { payer: other, amount: 11n },
        { payer: PAYER, amount: 12n },
      ],
      credits: [
        { operator: operatorB, amount: 7n },
        { operator: OPERATOR, amount: 16n },
      ],
    });
    const free = receipts.map((r) => ({ ...r, receipt: { ...r.receipt, fee: 0n } }));
    expect(parseBatchFile(write(free, 2n, new Map()).bytes).settlement).toEqual({ charges: [], credits: [] });
  });
});

describe("parseBatchFile", () => {
  const hex = (length: number) => fc.uint8Array({ minLength: length, maxLength: length }).map((b) => bytesToHex(b));
  const entryArb = fc.record({
    contentHash: fc.constantFrom(DATASET_V1, DATASET_V2),
    entryId: fc.stringMatching(/^[a-z0-9]+(-[a-z0-9]+)*$/),
  });
  const fields = fc.record({
    requestId: hex(32),
    modelId: fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
    deploymentId: fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
    communityId: fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
    userId: hex(32),
    userKind: fc.constantFrom(UserKind.SaltedHash, UserKind.Wallet, UserKind.KeyOwner),
    inputHash: hex(32),
    outputHash: hex(32),
    timestamp: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    epoch: fc.constant(9n),
    // Eight fees summed per payer must still fit in uint256.
    fee: fc.bigInt({ min: 0n, max: 2n ** 252n }),
    payer: fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => getAddress(bytesToHex(b))),
    userAuth: hex(32),
  });
  // Half the receipts cite 1 to MAX_ATTRIBUTED_ENTRIES entries (repeats included: the list is normalized).
  const arbitraryReceipt = fc
    .record({
      fields,
      entries: fc.oneof(fc.constant([]), fc.array(entryArb, { minLength: 1, maxLength: MAX_ATTRIBUTED_ENTRIES })),
      hash: hex(32),
      signature: hex(65),
    })
    .map(({ fields: f, entries, hash, signature }): SignedReceipt => {
      const attribution = normalizeAttribution(entries);
      return {
        receipt: { ...f, attributionHash: attributionHash(attribution) },
        hash,
        signature,
        ...(attribution.length === 0 ? {} : { attribution }),
      };
    });

  it("reads back exactly what serializeBatchFile wrote, in hash order", () => {
    fc.assert(
      fc.property(fc.array(arbitraryReceipt, { minLength: 1, maxLength: 8 }), (receipts) => {
        const { bytes } = write(receipts, 9n);
        const file = parseBatchFile(bytes);
        expect(file).toEqual({
          version: 1,
          chainId: 31337n,
          ledger: LEDGER,
          relayer: RELAYER,
          batchId: 7n,
          epoch: 9n,
          root: batchTree(receipts.map((r) => r.hash)).root,
          receipts: [...receipts].sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0)),
          settlement: batchSettlement(receipts, new Map(receipts.map((r) => [r.receipt.deploymentId, OPERATOR]))),
        });
        expect(parseBatchFile(text(bytes))).toEqual(file);
      }),
      { numRuns: 200 },
    );
  });

  it("explains in one sentence why bytes are not a batch file", () => {
    const good = JSON.parse(text(write([signed(1)]).bytes)) as Record<string, unknown> & {
      receipts: Record<string, unknown>[];
    };
    const reason = (value: unknown) => {
      try {
        parseBatchFile(typeof value === "string" ? value : JSON.stringify(value));
      } catch (error) {
        if (error instanceof BatchFileError) return error.message;
        throw error;
      }
      return "accepted";
    };
    expect(reason("{")).toBe("Invalid batch file: not UTF-8 JSON.");
    expect(() => parseBatchFile(new Uint8Array([0xff, 0xfe]))).toThrow("Invalid batch file: not UTF-8 JSON.");
    expect(reason({ ...good, version: 2 })).toMatch(/^Invalid batch file: version /);
    expect(reason({ ...good, receipts: [] })).toBe("Invalid batch file: receipts must hold at least one receipt.");
    expect(reason({ ...good, extra: 1 })).toBe('Invalid batch file: (root) has unknown field "extra".');
    expect(reason({ ...good, ledger: LEDGER.replace("F", "f") })).toBe(
      "Invalid batch file: ledger has a wrong EIP-55 checksum.",
    );
    const { hash: _hash, ...noHash } = good.receipts[0]!;
    expect(reason({ ...good, receipts: [noHash] })).toBe("Invalid batch file: receipts.0.hash is missing.");
    expect(reason({ ...good, receipts: [{ ...good.receipts[0], fee: (2n ** 256n).toString() }] })).toBe(
      "Invalid batch file: receipts.0.fee must fit in uint256.",
    );
    expect(reason({ ...good, receipts: [{ ...good.receipts[0], timestamp: (2n ** 64n).toString() }] })).toBe(
      "Invalid batch file: receipts.0.timestamp must fit in uint64.",
    );
    expect(reason({ ...good, receipts: [{ ...good.receipts[0], modelId: "01" }] })).toBe(
      "Invalid batch file: receipts.0.modelId must be a decimal integer.",
    );
    expect(reason({ ...good, receipts: [{ ...good.receipts[0], userKind: 3 }] })).toMatch(
      /^Invalid batch file: receipts\.0\.userKind /,
    );
    const settlement = good.settlement as { charges: { payer: string; amount: string }[]; credits: unknown[] };
    const charge = settlement.charges[0]!;
    expect(reason({ ...good, settlement: { ...settlement, charges: [{ ...charge, amount: "1" }] } })).toBe(
      "Invalid batch file: settlement.charges are not the receipts' fees summed per payer and sorted by payer.",
    );
    expect(reason({ ...good, settlement: { ...settlement, credits: [] } })).toBe(
      "Invalid batch file: settlement credits 0 but charges 1000000000000000000000000000000.",
    );
    expect(
      reason({
        ...good,
        settlement: {
          ...settlement,
          credits: [
            { operator: OPERATOR, amount: "1" },
            { operator: OPERATOR, amount: "999999999999999999999999999999" },
          ],
        },
      }),
    ).toBe("Invalid batch file: settlement.credits are not sorted by operator without repeats.");
    expect(reason(good)).toBe("accepted");
  });

  it("refuses a file whose attribution list is not what its receipt's signed attributionHash commits to", () => {
    const entries = normalizeAttribution([
      { contentHash: DATASET_V1, entryId: "ca-kho-to" },
      { contentHash: DATASET_V2, entryId: "pho-bo" },
    ]);
    const good = JSON.parse(text(write([cited(1, entries)]).bytes)) as { receipts: Record<string, unknown>[] };
    const honest = good.receipts[0]!;
    const hash = honest.hash as string;
    const withReceipt = (patch: Record<string, unknown>) => {
      const { attribution: _attribution, ...rest } = honest;
      return JSON.stringify({ ...good, receipts: [{ ...rest, ...patch }] });
    };
    const mismatch = (listed: Hex) =>
      `Invalid batch file: receipt ${hash} lists an attribution hashing to ${listed}, not its signed attributionHash ${attributionHash(entries)}.`;
    expect(parseBatchFile(withReceipt({ attribution: entries })).receipts[0]!.attribution).toEqual(entries);

    // Another entry credited (the steering attack), one dropped, or the list removed: each refused.
    const steered = normalizeAttribution([...entries, { contentHash: DATASET_V2, entryId: "accomplice" }]);
    expect(() => parseBatchFile(withReceipt({ attribution: steered }))).toThrow(mismatch(attributionHash(steered)));
    expect(() => parseBatchFile(withReceipt({ attribution: [entries[0]] }))).toThrow(
      mismatch(attributionHash([entries[0]!])),
    );
    expect(() => parseBatchFile(withReceipt({}))).toThrow(mismatch(ZERO_BYTES32));
    // A list beside a receipt that cites nothing.
    expect(() => parseBatchFile(withReceipt({ attributionHash: ZERO_BYTES32, attribution: entries }))).toThrow(
      `Invalid batch file: receipt ${hash} lists an attribution hashing to ${attributionHash(entries)}, not its signed attributionHash ${ZERO_BYTES32}.`,
    );
    // The same entries in another order, repeated, or an empty list: one receipt has one spelling.
    expect(() => parseBatchFile(withReceipt({ attribution: [...entries].reverse() }))).toThrow(
      `Invalid batch file: receipt ${hash} lists its attribution out of order or with repeats (sort by content hash, then entry id).`,
    );
    expect(() => parseBatchFile(withReceipt({ attribution: [entries[0], ...entries] }))).toThrow(
      /out of order or with repeats/,
    );
    expect(() => parseBatchFile(withReceipt({ attributionHash: ZERO_BYTES32, attribution: [] }))).toThrow(
      "Invalid batch file: receipts.0.attribution must be omitted when the answer cites nothing.",
    );
    // An entry the fast path cannot read goes to the schema, which names the field.
    expect(() => parseBatchFile(withReceipt({ attribution: [{ ...entries[0], entryId: "Ca-Kho" }] }))).toThrow(
      "Invalid batch file: receipts.0.attribution.0.entryId must be a lower-case kebab-case entry id.",
    );
    const tooMany = Array.from({ length: MAX_ATTRIBUTED_ENTRIES + 1 }, (_, i) => ({ ...entries[0], entryId: `e${i}` }));
    expect(() => parseBatchFile(withReceipt({ attribution: tooMany }))).toThrow(
      `Invalid batch file: receipts.0.attribution must cite at most ${MAX_ATTRIBUTED_ENTRIES} entries.`,
    );
  });
});
