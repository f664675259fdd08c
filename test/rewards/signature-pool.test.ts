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
  const viemPool = createSignaturePool({ threads: 1, curve: "viem" });
  afterAll(() => Promise.all([pool.close(), viemPool.close()]));

  it("recovers the same signer (or null) with libsecp256k1 as with viem, also for junk signatures", async () => {
    const items: { hash: Hex; signature: Hex }[] = [];
    for (let i = 0; i < 64; i++) {
      const hash = keccak256(toHex(`junk ${i}`));
      // Random r and low s with v 27/28: mostly valid points that recover to some address, some not.
      const r = keccak256(toHex(`r ${i}`)).slice(2);
      const s = (BigInt(keccak256(toHex(`s ${i}`))) % (N / 2n)).toString(16).padStart(64, "0");
      items.push({ hash, signature: `0x${r}${s}${i % 2 === 0 ? "1b" : "1c"}` as Hex });
      items.push({ hash, signature: await sign({ hash, privateKey: generatePrivateKey(), to: "hex" }) });
    }
    // r = 0 and r = n are not valid signatures.
    items.push({ hash: items[0]!.hash, signature: `0x${"00".repeat(32)}${"11".repeat(32)}1b` });
    items.push({ hash: items[0]!.hash, signature: `0x${N.toString(16)}${"11".repeat(32)}1b` as Hex });
    expect(await pool.recover(items)).toEqual(await viemPool.recover(items));
  });

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
