import type { Hash } from "viem";
import { feeEscrowAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError } from "../../errors";
import { type KhoRevertError, eventArgs, transact } from "../../transact";
import { toPositiveAmount } from "../../validate";

export type StartThawParameters = { /** Token base units to add to the thawing amount. */ amount: bigint };
export type StartThawReturnType = {
  hash: Hash;
  /** The whole thawing amount now (earlier thaws included). */
  thawing: bigint;
  /** Unix seconds from which the thawing amount can be withdrawn (the clock restarts on every thaw). */
  thawEndsAt: bigint;
};
/** `InsufficientAvailable(payer, available, requested)` when more than the available balance is asked for. */
export type StartThawErrorType = KhoInputError | KhoRevertError | Error;

/** Starts withdrawing part of the sender's escrow balance; it stops paying for new calls at once. */
export async function startThaw(client: KhoClient, parameters: StartThawParameters): Promise<StartThawReturnType> {
  const amount = toPositiveAmount(parameters.amount);
  const address = client.addresses.FeeEscrow;
  const { hash, logs } = await transact(client, {
    address,
    abi: feeEscrowAbi,
    functionName: "startThaw",
    args: [amount],
  });
  const event = eventArgs(feeEscrowAbi, logs, "ThawStarted", address);
  return { hash, thawing: event.amount, thawEndsAt: BigInt(event.thawEndsAt) };
}
