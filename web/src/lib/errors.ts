import { BaseError, ContractFunctionRevertedError, UserRejectedRequestError, formatUnits } from "viem";
import { RelayerRequestError } from "../../../src/sdk/relayer/errors";

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

function formatArg(value: unknown): string {
  if (typeof value === "bigint") {
    // Amounts in Kho errors are wei; anything this large is shown in tokens as well.
    return value >= 10n ** 15n ? `${value} (${formatUnits(value, 18)} KHO)` : value.toString();
  }
  return String(value);
}

/**
 * One sentence for people: a revert names its custom error and arguments (decoded by viem from
 * the contract ABIs in src/protocol/abis.ts), a rejected signature says so, anything else gives
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
        const args = (revert.data.args ?? []).map(formatArg).join(", ");
        return `The contract refused: ${revert.data.errorName}(${args}).`;
      }
      return `The contract refused: ${revert.reason ?? revert.shortMessage}`;
    }
    return error.shortMessage;
  }
  return error instanceof Error ? error.message : String(error);
}
