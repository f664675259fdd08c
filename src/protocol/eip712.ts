import type { Address, TypedDataDomain } from "viem";

/** EIP-712 domain name and version of the UsageLedger contract (must match its constructor). */
export const USAGE_LEDGER_EIP712_NAME = "Kho UsageLedger";
export const USAGE_LEDGER_EIP712_VERSION = "1";

/**
 * The domain every receipt and every wallet-signed inference request is signed under. Binding it
 * to the chain id and the ledger address stops a signature from being replayed on another chain
 * or on a second deployment.
 */
export function usageLedgerDomain(chainId: number | bigint, verifyingContract: Address): TypedDataDomain {
  return {
    name: USAGE_LEDGER_EIP712_NAME,
    version: USAGE_LEDGER_EIP712_VERSION,
    chainId: Number(chainId),
    verifyingContract,
  };
}

/**
 * One served inference call. Field order is part of the protocol: it fixes the EIP-712 type string
 * and therefore every receipt hash. `UsageLedger.RECEIPT_TYPEHASH` must equal its keccak256.
 */
export const receiptTypes = {
  InferenceReceipt: [
    { name: "requestId", type: "bytes32" },
    { name: "modelId", type: "uint256" },
    { name: "deploymentId", type: "uint256" },
    { name: "communityId", type: "uint256" },
    { name: "userId", type: "bytes32" },
    { name: "userKind", type: "uint8" },
    { name: "inputHash", type: "bytes32" },
    { name: "outputHash", type: "bytes32" },
    { name: "timestamp", type: "uint64" },
    { name: "epoch", type: "uint64" },
    { name: "fee", type: "uint256" },
    { name: "payer", type: "address" },
    { name: "userAuth", type: "bytes32" },
    { name: "attributionHash", type: "bytes32" },
  ],
} as const;

export const RECEIPT_TYPE_STRING =
  "InferenceReceipt(bytes32 requestId,uint256 modelId,uint256 deploymentId,uint256 communityId,bytes32 userId,uint8 userKind,bytes32 inputHash,bytes32 outputHash,uint64 timestamp,uint64 epoch,uint256 fee,address payer,bytes32 userAuth,bytes32 attributionHash)";

/**
 * A request signed by the user's own wallet, so the user's identity is proven without trusting
 * the relayer. The relayer records the request digest in the receipt's `userAuth` field.
 */
export const inferenceRequestTypes = {
  InferenceRequest: [
    { name: "user", type: "address" },
    { name: "modelId", type: "uint256" },
    { name: "inputHash", type: "bytes32" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint64" },
    { name: "maxFee", type: "uint256" },
  ],
} as const;

export const INFERENCE_REQUEST_TYPE_STRING =
  "InferenceRequest(address user,uint256 modelId,bytes32 inputHash,uint256 nonce,uint64 deadline,uint256 maxFee)";
