import type { Hash } from "viem";
import { feeEscrowAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import { type KhoRevertError, eventArgs, transact } from "../../transact";

export type WithdrawFromEscrowReturnType = { hash: Hash; /** Tokens paid. */ amount: bigint };
/** `ThawNotOver(payer, thawEndsAt, now)` before the thaw ends, `NothingThawing(payer)` without a thaw. */
export type WithdrawFromEscrowErrorType = KhoRevertError | Error;

/** Pays the sender its thawed escrow funds (what settlements left of them). */
export async function withdrawFromEscrow(client: KhoClient): Promise<WithdrawFromEscrowReturnType> {
  const address = client.addresses.FeeEscrow;
  const { hash, logs } = await transact(client, {
    address,
    abi: feeEscrowAbi,
    functionName: "withdraw",
    args: [],
  });
  return { hash, amount: eventArgs(feeEscrowAbi, logs, "Withdrawn", address).amount };
}
