import type { Hash } from "viem";
import { feeEscrowAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import { type KhoRevertError, transact } from "../../transact";

export type CancelThawReturnType = { hash: Hash };
/** `NothingThawing(payer)` when nothing thaws. */
export type CancelThawErrorType = KhoRevertError | Error;

/** Makes the sender's thawing amount spendable again. */
export async function cancelThaw(client: KhoClient): Promise<CancelThawReturnType> {
  const { hash } = await transact(client, {
    address: client.addresses.FeeEscrow,
    abi: feeEscrowAbi,
    functionName: "cancelThaw",
    args: [],
  });
  return { hash };
}
