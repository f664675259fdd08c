import fc from "fast-check";
import { signRecoverable } from "tiny-secp256k1";
import { type Hex, bytesToHex, hexToBigInt, hexToBytes } from "viem";
import { generatePrivateKey, privateKeyToAccount, sign } from "viem/accounts";
import { afterAll, describe, expect, it } from "vitest";
import { type InferenceReceipt, UserKind, ZERO_BYTES32, hashReceipt, recoverReceiptSigner } from "../../protocol";
import { canonicalJson, canonicalJsonHash } from "../../protocol/canonical-json";
import { SignerError, createReceiptSigner } from "./signer";

const domain = { chainId: 31337, ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const };
const key = generatePrivateKey();
const signer = createReceiptSigner({ privateKey: key, domain, threads: 2 });
afterAll(() => signer.close());

function receipt(i: number): InferenceReceipt {
  const b = (n: number): Hex => `0x${n.toString(16).padStart(64, "0")}`;
  return {
    requestId: b(i + 1),
    modelId: 1n,
    deploymentId: 2n,
    communityId: 3n,
    userId: b(0xabc),
    userKind: UserKind.SaltedHash,
    inputHash: b(7),
    outputHash: b(8),
    timestamp: 1_700_000_000n + BigInt(i),
    epoch: 5n,
    fee: 10n ** 18n,
    payer: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    userAuth: ZERO_BYTES32,
    attributionHash: ZERO_BYTES32,
  };
}

describe("receipt signer", () => {
  it("signs receipts whose signatures recover to the relayer key, low-s", async () => {
    const receipts = Array.from({ length: 20 }, (_, i) => receipt(i));
    const signed = await signer.signReceipts(receipts);
    expect(signed).toHaveLength(20);
    for (let i = 0; i < receipts.length; i++) {
      expect(signed[i]!.hash).toBe(hashReceipt(receipts[i]!, domain));
      expect(await recoverReceiptSigner(receipts[i]!, signed[i]!.signature, domain)).toBe(signer.address);
      const s = hexToBigInt(`0x${signed[i]!.signature.slice(66, 130)}`);
      expect(s <= 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n).toBe(true);
    }
    expect(signer.address).toBe(privateKeyToAccount(key).address);
  });

  it("writes the very signature viem's sign gives for the receipt hash (same nonce, low s, v = 27 + parity)", async () => {
    const receipts = Array.from({ length: 20 }, (_, i) => receipt(200 + i));
    const signed = await signer.signReceipts(receipts);
    for (const s of signed) expect(s.signature).toBe(await sign({ hash: s.hash, privateKey: key, to: "hex" }));
  });

  it("signs as viem does for any key and hash (the WebAssembly libsecp256k1 the workers use)", async () => {
    const scalar = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((b) => {
      const n = hexToBigInt(bytesToHex(b));
      return n > 0n && n < 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    });
    await fc.assert(
      fc.asyncProperty(scalar, fc.uint8Array({ minLength: 32, maxLength: 32 }), async (privateKey, hash) => {
        const { signature, recoveryId } = signRecoverable(hash, privateKey);
        const ours = bytesToHex(signature) + (27 + recoveryId).toString(16);
        expect(ours).toBe(await sign({ hash: bytesToHex(hash), privateKey: bytesToHex(privateKey), to: "hex" }));
        expect(hexToBytes(ours as Hex)).toHaveLength(65);
      }),
      { numRuns: 200 },
    );
  });

  it("serves concurrent callers on several threads", async () => {
    const all = await Promise.all(Array.from({ length: 10 }, (_, i) => signer.signReceipts([receipt(100 + i)])));
    for (let i = 0; i < all.length; i++) {
      expect(await recoverReceiptSigner(receipt(100 + i), all[i]![0]!.signature, domain)).toBe(signer.address);
    }
  });

  it("does not recover to the relayer for a different receipt", async () => {
    const [signed] = await signer.signReceipts([receipt(1)]);
    const other = { ...receipt(1), fee: 0n };
    expect(await recoverReceiptSigner(other, signed!.signature, domain)).not.toBe(signer.address);
  });

  it("refuses a malformed ledger domain before starting any worker", () => {
    const bad = { chainId: 31337, ledger: "0x1234" as const };
    expect(() => createReceiptSigner({ privateKey: key, domain: bad, threads: 1 })).toThrow(SignerError);
    expect(() => createReceiptSigner({ privateKey: key, domain: bad, threads: 1 })).toThrow("signer domain is invalid");
  });

  it("refuses, per call, a receipt the byte-level digest rejects", async () => {
    const bad = { ...receipt(1), timestamp: 2n ** 64n };
    await expect(signer.signReceipts([bad])).rejects.toThrow(/timestamp \d+ is outside the uint64 range/);
  });

  it("hashes an input or output given as canonical JSON in the worker, as canonicalJsonHash does", async () => {
    const output = { role: "assistant", content: "Cá kho tộ 🐟" };
    const input = { messages: [{ role: "user", content: "Nấu thế nào?" }] };
    const draft = {
      ...receipt(7),
      inputHash: { canonicalJson: canonicalJson(input) },
      outputHash: { canonicalJson: canonicalJson(output) },
    };
    const [signed] = await signer.signReceipts([draft]);
    expect(signed!.inputHash).toBe(canonicalJsonHash(input));
    expect(signed!.outputHash).toBe(canonicalJsonHash(output));
    const full = { ...receipt(7), inputHash: signed!.inputHash, outputHash: signed!.outputHash };
    expect(signed!.hash).toBe(hashReceipt(full, domain));
    expect(await recoverReceiptSigner(full, signed!.signature, domain)).toBe(signer.address);
  });

  it("fails only the caller whose receipt is bad when calls of one turn share a worker message", async () => {
    const bad = { ...receipt(2), timestamp: 2n ** 64n };
    const outcomes = await Promise.allSettled([
      signer.signReceipts([receipt(1)]),
      signer.signReceipts([receipt(3), bad]),
      signer.signReceipts([receipt(4)]),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    const [first, , third] = outcomes as PromiseFulfilledResult<Awaited<ReturnType<typeof signer.signReceipts>>>[];
    expect(await recoverReceiptSigner(receipt(1), first!.value[0]!.signature, domain)).toBe(signer.address);
    expect(await recoverReceiptSigner(receipt(4), third!.value[0]!.signature, domain)).toBe(signer.address);
  });
});
