import { type Address, type Hex, isAddressEqual } from "viem";
import {
  type AttributedEntry,
  type InferenceReceipt,
  type LedgerDomain,
  attributionHash,
  hashReceipt,
  recoverReceiptSigner,
} from "../../protocol";

export type VerifyReceiptParameters = {
  receipt: InferenceReceipt;
  signature: Hex;
  /** The relayer key the caller trusts (e.g. an address holding RELAYER_ROLE on the ledger). */
  expectedSigner: Address;
  /** Chain id and UsageLedger address of the deployment the receipt claims to belong to. */
  domain: LedgerDomain;
  /** The hash the relayer reported, checked against the recomputed one when given. */
  hash?: Hex;
  /**
   * The dataset entries listed with the receipt (a `kho_receipt`'s or a batch file's `attribution`),
   * checked against its signed attributionHash; omitted means none, which only a zero hash matches.
   */
  attribution?: readonly AttributedEntry[];
};

export type VerifyReceiptReturnType =
  { valid: true; hash: Hex; signer: Address } | { valid: false; hash: Hex; signer: Address | null; reason: string };
export type VerifyReceiptErrorType = never;

/**
 * Recomputes the receipt's EIP-712 hash and recovers its signer, and checks the listed attribution
 * against the signed attributionHash. Never throws: a malformed or high-s signature, a wrong signer,
 * a mismatching hash or attribution come back as `valid: false` with a reason.
 */
export async function verifyReceipt(parameters: VerifyReceiptParameters): Promise<VerifyReceiptReturnType> {
  const hash = hashReceipt(parameters.receipt, parameters.domain);
  if (parameters.hash !== undefined && parameters.hash.toLowerCase() !== hash.toLowerCase()) {
    return { valid: false, hash, signer: null, reason: `the receipt hashes to ${hash}, not ${parameters.hash}` };
  }
  let signer: Address;
  try {
    signer = await recoverReceiptSigner(parameters.receipt, parameters.signature, parameters.domain);
  } catch (error) {
    return { valid: false, hash, signer: null, reason: `the signature is malformed (${(error as Error).message})` };
  }
  if (!isLowS(parameters.signature)) {
    return { valid: false, hash, signer, reason: "the signature has a high s value, which the ledger rejects" };
  }
  if (!isAddressEqual(signer, parameters.expectedSigner)) {
    return {
      valid: false,
      hash,
      signer,
      reason: `the receipt was signed by ${signer}, not ${parameters.expectedSigner}`,
    };
  }
  const listed = attributionHash(parameters.attribution ?? []);
  if (listed !== parameters.receipt.attributionHash.toLowerCase()) {
    return {
      valid: false,
      hash,
      signer,
      reason: `the listed attribution hashes to ${listed}, not the signed attributionHash ${parameters.receipt.attributionHash}`,
    };
  }
  return { valid: true, hash, signer };
}

const SECP256K1_HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

/** OpenZeppelin ECDSA (and so the ledger) only accepts s in the lower half of the curve order. */
function isLowS(signature: Hex): boolean {
  if (signature.length !== 132) return false;
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  return s <= SECP256K1_HALF_N;
}
