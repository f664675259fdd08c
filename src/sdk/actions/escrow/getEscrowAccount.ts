import { feeEscrowAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import type { KhoInputError } from "../../errors";
import { type KhoRevertError, read } from "../../transact";
import { toAddress } from "../../validate";

export type GetEscrowAccountParameters = { payer: string };
export type GetEscrowAccountReturnType = {
  /** Token base units held for the payer, thawing included. */
  balance: bigint;
  /** Part of `balance` being withdrawn: no longer spendable on new calls. */
  thawing: bigint;
  /** `balance − thawing`: what new calls may spend. */
  available: bigint;
  /** Unix seconds from which `withdrawFromEscrow` pays the thawing amount (0 when nothing thaws). */
  thawEndsAt: bigint;
  /** The escrow's thaw period in seconds. */
  thawPeriod: bigint;
};
export type GetEscrowAccountErrorType = KhoInputError | KhoRevertError | Error;

/** A payer's fee-escrow account. */
export async function getEscrowAccount(
  client: KhoClient,
  parameters: GetEscrowAccountParameters,
): Promise<GetEscrowAccountReturnType> {
  const payer = toAddress(parameters.payer, "payer");
  const address = client.addresses.FeeEscrow;
  const [[balance, thawing, thawEndsAt], thawPeriod] = await Promise.all([
    read(client, { address, abi: feeEscrowAbi, functionName: "accountOf", args: [payer] }),
    read(client, { address, abi: feeEscrowAbi, functionName: "thawPeriod", args: [] }),
  ]);
  return {
    balance,
    thawing,
    available: balance - thawing,
    thawEndsAt: BigInt(thawEndsAt),
    thawPeriod: BigInt(thawPeriod),
  };
}
