import { BaseError, ContractFunctionRevertedError, UserRejectedRequestError } from "viem";
import { RelayerRequestError } from "../../../src/sdk/relayer/errors";
import { formatToken } from "./format";

/** A wallet is on another chain than the Kho deployment the page reads. */
export class WrongNetworkError extends Error {
  constructor(
    readonly walletChainId: number,
    readonly expectedChainId: number,
  ) {
    super(
      `Your wallet is on chain ${walletChainId}; switch it to chain ${expectedChainId}, where this Kho deployment lives.`,
    );
    this.name = "WrongNetworkError";
  }
}

/**
 * Parameters of Kho's (and OpenZeppelin's ERC-20) custom errors that hold token amounts in wei;
 * they are shown in token units. Every other number (ids, counts, seconds, lengths) stays as is.
 */
const TOKEN_AMOUNT_PARAMETERS = new Set([
  "amount",
  "allowance",
  "available",
  "balance",
  "bond",
  "cumulativeAmount",
  "currentTotalCumulative",
  "minBond",
  "needed",
  "requested",
  "stake",
  "totalClaimed",
  "totalCumulative",
  "totalFunded",
]);

function formatArg(value: unknown, name: string | undefined): string {
  const shown =
    typeof value === "bigint" && name && TOKEN_AMOUNT_PARAMETERS.has(name) ? formatToken(value) : String(value);
  return name ? `${name} ${shown}` : shown;
}

/**
 * One sentence for people: a revert names its custom error and its named arguments, amounts in
 * token units (decoded by viem from the contract ABIs in src/protocol/abis.ts), a rejected signature says so, anything else gives
 * its short message.
 */
export function describeError(error: unknown): string {
  if (error instanceof WrongNetworkError) return error.message;
  if (error instanceof RelayerRequestError) return `The relayer refused: ${error.message}`;
  if (error instanceof BaseError) {
    const rejected = error.walk((e) => e instanceof UserRejectedRequestError);
    if (rejected) return "You rejected the request in your wallet; nothing was sent.";
    const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (revert instanceof ContractFunctionRevertedError) {
      if (revert.data?.errorName) {
        const { abiItem } = revert.data;
        const inputs = "inputs" in abiItem ? abiItem.inputs : [];
        const args = (revert.data.args ?? []).map((value, i) => formatArg(value, inputs[i]?.name)).join(", ");
        return `The contract refused: ${revert.data.errorName}(${args}).`;
      }
      return `The contract refused: ${revert.reason ?? revert.shortMessage}`;
    }
    return error.shortMessage;
  }
  return error instanceof Error ? error.message : String(error);
}
