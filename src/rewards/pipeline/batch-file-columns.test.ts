import fc from "fast-check";
import { type Address, bytesToHex, getAddress } from "viem";
import { describe, expect, it } from "vitest";
import { attributionHash, normalizeAttribution } from "../../protocol/attribution";
import { batchTree, batchTreeFromBytes, parseBatchFile, serializeBatchFile } from "../../protocol/batch-file";
import { UserKind } from "../../protocol/receipt";
import type { SignedReceipt } from "../../protocol/receipt-json";
import { readBatchFileColumns } from "./batch-file-columns";
import { packReceipts } from "./receipt-columns";

const LEDGER: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const RELAYER: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const OPERATOR: Address = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
const EPOCH = 9n;

const hex = (length: number) => fc.uint8Array({ minLength: length, maxLength: length }).map((b) => bytesToHex(b));
// Few distinct values and payers, as in real batches (so ids repeat), with the edges of each range.
const uint256 = fc.oneof(
  fc.constantFrom(0n, 1n, 9n, 10n, 10n ** 15n - 1n, 10n ** 15n, 2n ** 64n - 1n, 2n ** 64n, 2n ** 256n - 1n),
  fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
);
const uint64 = fc.oneof(
  fc.constantFrom(0n, 1_750_000_000n, 2n ** 64n - 1n),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
);
const payers = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => getAddress(bytesToHex(b)));
const entry = fc.record({
  contentHash: hex(32),
  entryId: fc.stringMatching(/^[a-z0-9]+(-[a-z0-9]+)*$/),
});

function receiptsOf(payerPool: readonly Address[]) {
  return fc
    .record({
      requestId: hex(32),
      modelId: uint256,
      deploymentId: fc.constantFrom(1n, 2n, 2n ** 200n),
      communityId: uint256,
      userId: hex(32),
      userKind: fc.constantFrom(UserKind.SaltedHash, UserKind.Wallet, UserKind.KeyOwner),
      inputHash: hex(32),
      outputHash: hex(32),
      timestamp: uint64,
      fee: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 2n ** 250n })),
      payer: fc.constantFrom(...payerPool),
      userAuth: hex(32),
      entries: fc.oneof(fc.constant([]), fc.constant([]), fc.array(entry, { minLength: 1, maxLength: 3 })),
      hash: hex(32),
      signature: hex(65),
    })
    .map(({ entries, hash, signature, ...fields }): SignedReceipt => {
      const attribution = normalizeAttribution(entries);
      return {
        receipt: { ...fields, epoch: EPOCH, attributionHash: attributionHash(attribution) },
        hash,
        signature,
        ...(attribution.length === 0 ? {} : { attribution }),
      };
    });
}

const batchFiles = fc
  .array(payers, { minLength: 1, maxLength: 3 })
  .chain((pool) => fc.array(receiptsOf(pool), { minLength: 1, maxLength: 12 }))
  .map(
    (receipts) =>
      serializeBatchFile({
        chainId: 31337,
        ledger: LEDGER,
        relayer: RELAYER,
        batchId: 7n,
        epoch: EPOCH,
        root: batchTree(receipts.map((r) => r.hash)).root,
        receipts,
        operators: new Map([1n, 2n, 2n ** 200n].map((d) => [d, OPERATOR])),
      }).bytes,
  );

/** What the general reader makes of the bytes: its columns, or the sentence it rejects them with. */
function general(bytes: Uint8Array) {
  try {
    const { receipts, ...header } = parseBatchFile(bytes);
    return { ok: true as const, header, receipts, columns: packReceipts(receipts) };
  } catch (error) {
    return { ok: false as const, error: error instanceof Error ? error.message : String(error) };
  }
}

function expectSameAsGeneral(bytes: Uint8Array): boolean {
  const read = readBatchFileColumns(bytes);
  if (read === null) return false;
  const expected = general(bytes);
  // The columnar reader accepts only what the general reader accepts, and reads it the same.
  if (!expected.ok) throw new Error(`the columnar reader accepted what parseBatchFile rejects: ${expected.error}`);
  expect(read.header).toEqual(expected.header);
  expect(read.columns).toEqual(expected.columns);
  expect(batchTreeFromBytes(read.hashes).root).toBe(batchTree(expected.receipts.map((r) => r.hash)).root);
  expected.receipts.forEach((r, row) => expect(read.signedReceipt(row)).toEqual(r));
  return true;
}

describe("readBatchFileColumns", () => {
  it("reads every file serializeBatchFile writes into the columns packReceipts makes from parseBatchFile", () => {
    fc.assert(
      fc.property(batchFiles, (bytes) => {
        expect(expectSameAsGeneral(bytes)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("on a file edited anywhere, reads what the general reader reads or leaves it to that reader", () => {
    // Edits that keep JSON valid (a digit, a letter's case) as well as ones that break it.
    const characters = fc.constantFrom(...'0123456789abcdefABCDEF"{}[],: -\\x\u00e9');
    const edit = fc.record({
      // Unbiased: fast-check favours small numbers, which would edit the header over and over.
      at: fc.noBias(fc.nat(1_000_000)),
      kind: fc.constantFrom("replace", "insert", "delete"),
      character: characters,
    });
    let acceptedEdits = 0;
    fc.assert(
      fc.property(batchFiles, fc.array(edit, { minLength: 1, maxLength: 3 }), (bytes, edits) => {
        let text = new TextDecoder().decode(bytes);
        for (const { at, kind, character } of edits) {
          const i = at % text.length;
          text = text.slice(0, i) + (kind === "delete" ? "" : character) + text.slice(kind === "insert" ? i : i + 1);
        }
        if (expectSameAsGeneral(new TextEncoder().encode(text))) acceptedEdits++;
      }),
      { numRuns: 1000 },
    );
    // Some edits (a hex digit of a hash or signature) leave a valid file the columnar reader takes.
    expect(acceptedEdits).toBeGreaterThan(0);
  });

  it("leaves files not written in the relayers' layout to the general reader", () => {
    const bytes = fc.sample(batchFiles, { numRuns: 1, seed: 1 })[0]!;
    const text = new TextDecoder().decode(bytes);
    const variants = [
      JSON.stringify(JSON.parse(text), null, 1),
      `\ufeff${text}`,
      `${text}\n`,
      text.replace(/"hash":"0x([0-9a-f]{64})"/, (_, h: string) => `"hash":"0x${h.toUpperCase()}"`),
    ];
    for (const variant of variants) {
      const encoded = new TextEncoder().encode(variant);
      expect(readBatchFileColumns(encoded)).toBeNull();
      expect(general(encoded).ok).toBe(true);
    }
  });
});
