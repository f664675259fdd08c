import { type Address, type Hex, bytesToHex, keccak256, toBytes } from "viem";
import { UserKind, ZERO_BYTES32 } from "../../../protocol";
import type { NewReceipt } from "../index";

/**
 * Receipts for the store's tests (src and test/relayer): a test under src may not import test/
 * (dependency rule), so the shared fixture lives here, kept out of the build like rewards' fixtures.
 */

export const SIGNER = "0x1111111111111111111111111111111111111111" as Address;
export const PAYER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" as Address;
export const OPERATOR = "0x00000000000000000000000000000000000000c1" as Address;

/** The n-th distinct receipt of SIGNER in epoch 1, paid by PAYER; its timestamp grows with n. */
export function receiptNumber(n: number, fee = 0n): NewReceipt {
  const id = (tag: string): Hex => keccak256(toBytes(`${tag}:${n}`));
  return {
    receipt: {
      requestId: id("request"),
      modelId: 1n,
      deploymentId: 1n,
      communityId: 1n,
      userId: id("user"),
      userKind: UserKind.KeyOwner,
      inputHash: id("input"),
      outputHash: id("output"),
      timestamp: 1_700_000_000n + BigInt(n),
      epoch: 1n,
      fee,
      payer: PAYER,
      userAuth: ZERO_BYTES32,
      attributionHash: ZERO_BYTES32,
    },
    hash: id("hash"),
    signature: bytesToHex(new Uint8Array(65).fill(n % 256)),
    signer: SIGNER,
    attribution: [],
    operator: OPERATOR,
  };
}
