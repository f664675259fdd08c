import { type Address, type Hex, getAddress, isAddress, recoverAddress } from "viem";
import { type LedgerDomain, hashInferenceRequest } from "../../protocol";
import { RelayerError } from "../errors";
import type { Caller } from "./caller";

export const WALLET_HEADERS = {
  user: "x-kho-user",
  nonce: "x-kho-nonce",
  deadline: "x-kho-deadline",
  maxFee: "x-kho-max-fee",
  signature: "x-kho-signature",
} as const;

export type WalletHeaders = { user: string; nonce: string; deadline: string; maxFee: string; signature: string };

const UINT256_MAX = 2n ** 256n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

function parseUint(value: string, max: bigint, header: string): bigint {
  if (!/^(0|[1-9]\d{0,77})$/.test(value))
    throw new RelayerError("unauthorized", `${header} must be a decimal integer.`);
  const n = BigInt(value);
  if (n > max) throw new RelayerError("unauthorized", `${header} is out of range.`);
  return n;
}

/** Whether the request carries any wallet-signature header (then all five are required). */
export function hasWalletHeaders(headers: Record<string, string | string[] | undefined>): boolean {
  return Object.values(WALLET_HEADERS).some((h) => headers[h] !== undefined);
}

export function readWalletHeaders(headers: Record<string, string | string[] | undefined>): WalletHeaders {
  const read = (name: string): string => {
    const v = headers[name];
    if (typeof v !== "string" || v.length === 0) {
      throw new RelayerError("unauthorized", `A wallet-signed request needs the ${name} header.`);
    }
    return v.trim();
  };
  return {
    user: read(WALLET_HEADERS.user),
    nonce: read(WALLET_HEADERS.nonce),
    deadline: read(WALLET_HEADERS.deadline),
    maxFee: read(WALLET_HEADERS.maxFee),
    signature: read(WALLET_HEADERS.signature),
  };
}

export type VerifyWalletRequestParameters = {
  headers: WalletHeaders;
  modelId: bigint;
  inputHash: Hex;
  now: bigint;
  domain: LedgerDomain;
};

/**
 * Checks an EIP-712 InferenceRequest signature over (user, modelId, inputHash, nonce, deadline, maxFee),
 * where modelId and inputHash come from the request body itself, so a signature cannot be moved
 * to other messages or another model. Nonce reuse is checked later, when the nonce is claimed.
 */
export async function verifyWalletRequest(
  params: VerifyWalletRequestParameters,
): Promise<Extract<Caller, { kind: "wallet" }>> {
  const { headers } = params;
  if (!isAddress(headers.user, { strict: false })) {
    throw new RelayerError("unauthorized", `${WALLET_HEADERS.user} is not an address.`);
  }
  const user: Address = getAddress(headers.user);
  const nonce = parseUint(headers.nonce, UINT256_MAX, WALLET_HEADERS.nonce);
  const deadline = parseUint(headers.deadline, UINT64_MAX, WALLET_HEADERS.deadline);
  const maxFee = parseUint(headers.maxFee, UINT256_MAX, WALLET_HEADERS.maxFee);
  if (!/^0x[0-9a-fA-F]{130}$/.test(headers.signature)) {
    throw new RelayerError("unauthorized", `${WALLET_HEADERS.signature} must be a 65-byte hex signature.`);
  }
  if (deadline < params.now) throw new RelayerError("unauthorized", "The signed request's deadline has passed.");
  const request = { user, modelId: params.modelId, inputHash: params.inputHash, nonce, deadline, maxFee };
  // The digest is both what the signature is checked against and the receipt's userAuth: hash it once.
  let digest: Hex;
  let signer: Address;
  try {
    digest = hashInferenceRequest(request, params.domain);
    signer = await recoverAddress({ hash: digest, signature: headers.signature as Hex });
  } catch (error) {
    throw new RelayerError("unauthorized", "The request signature is malformed.", { cause: error });
  }
  if (signer !== user) {
    throw new RelayerError(
      "unauthorized",
      "The request signature does not match X-Kho-User for this model and these messages.",
    );
  }
  return { kind: "wallet", user, nonce, deadline, maxFee, digest };
}
