import {
  ContractFunctionExecutionError,
  ContractFunctionRevertedError,
  UserRejectedRequestError,
  encodeErrorResult,
  getAddress,
  parseUnits,
} from "viem";
import { describe, expect, it } from "vitest";
import { datasetStakingAbi } from "../../../src/protocol/abis";
import { RelayerRequestError } from "../../../src/sdk/relayer/errors";
import { WrongNetworkError, describeError } from "./errors";

const staker = getAddress("0x90f79bf6eb2c4f870365e785982e1f101e93b906");

function revert(errorName: "InsufficientStake" | "ZeroAmount", args: readonly unknown[]) {
  const data = encodeErrorResult({ abi: datasetStakingAbi, errorName, args } as Parameters<
    typeof encodeErrorResult
  >[0]);
  const cause = new ContractFunctionRevertedError({ abi: datasetStakingAbi, data, functionName: "unstake" });
  return new ContractFunctionExecutionError(cause, { abi: datasetStakingAbi, functionName: "unstake", args: [] });
}

describe("describeError", () => {
  it("decodes a revert to its custom error and named arguments, amounts in tokens and never in wei", () => {
    const error = revert("InsufficientStake", [1n, staker, parseUnits("10", 18), 1n]);
    expect(describeError(error)).toBe(
      `The contract refused: InsufficientStake(datasetId 1, staker ${staker}, stake 10 KHO, requested 0.000000000000000001 KHO).`,
    );
    expect(describeError(revert("ZeroAmount", []))).toBe("The contract refused: ZeroAmount().");
  });

  it("says a rejected signature in one sentence", () => {
    const error = new UserRejectedRequestError(new Error("User denied transaction signature."));
    expect(describeError(error)).toBe("You rejected the request in your wallet; nothing was sent.");
  });

  it("names both chains when the wallet is on the wrong network", () => {
    expect(describeError(new WrongNetworkError(1, 31337))).toBe(
      "Your wallet is on chain 1; switch it to chain 31337, where this Kho deployment lives.",
    );
  });

  it("passes the relayer's reason through", () => {
    expect(describeError(new RelayerRequestError("model 9 is not registered", 404, "model_not_found"))).toBe(
      "The relayer refused: model 9 is not registered",
    );
  });
});
