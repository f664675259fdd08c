import { type Hex, keccak256, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount, sign } from "viem/accounts";
import { afterAll, describe, expect, it } from "vitest";
import { createSignaturePool, isCanonicalSignature } from "../../src/rewards/pipeline/signature-pool";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** The same signature with s' = n − s and the other v: valid ECDSA, rejected by OpenZeppelin. */
function highS(signature: Hex): Hex {
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  const v = Number.parseInt(signature.slice(130, 132), 16);
  return `${signature.slice(0, 66)}${(N - s).toString(16).padStart(64, "0")}${(v === 27 ? 28 : 27).toString(16)}` as Hex;
}

describe("signature pool", () => {
  const pool = createSignaturePool({ threads: 2 });
  afterAll(() => pool.close());

  it("recovers every signer across chunks and workers, in input order", async () => {
    const keys = [generatePrivateKey(), generatePrivateKey(), generatePrivateKey()];
    const items: { hash: Hex; signature: Hex; signer: string }[] = [];
    for (let i = 0; i < 600; i++) {
      const key = keys[i % keys.length]!;
      const hash = keccak256(toHex(`receipt ${i}`));
      items.push({
        hash,
        signature: await sign({ hash, privateKey: key, to: "hex" }),
        signer: privateKeyToAccount(key).address,
      });
    }
    const recovered = await pool.recover(items);
    expect(recovered).toEqual(items.map((i) => i.signer));
  });

  it("returns null for malformed, high-s and unrecoverable signatures", async () => {
    const key = generatePrivateKey();
    const hash = keccak256(toHex("one receipt"));
    const good = await sign({ hash, privateKey: key, to: "hex" });
    expect(isCanonicalSignature(good)).toBe(true);
    expect(isCanonicalSignature(highS(good))).toBe(false);
    const results = await pool.recover([
      { hash, signature: good },
      { hash, signature: highS(good) },
      { hash, signature: "0x1234" },
      { hash, signature: `0x${"00".repeat(64)}1b` },
    ]);
    expect(results).toEqual([privateKeyToAccount(key).address, null, null, null]);
  });
});
