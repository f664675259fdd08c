import type { Hash } from "viem";
import { feeEscrowAbi } from "../../../protocol/abis";
import { type KhoClient, requireAccount } from "../../client";
import type { KhoInputError, KhoInsufficientFundsError } from "../../errors";
import { type KhoRevertError, eventArgs, read, transact } from "../../transact";
import { toAddress, toPositiveAmount } from "../../validate";
import { approveForPull } from "./pullTokens";

export type DepositParameters = {
  /** Token base units. */
  amount: bigint;
  /** Account credited (default: the sender), e.g. the owner of an API key funded by someone else. */
  payer?: string;
};
export type DepositReturnType = {
  hash: Hash;
  /** The approve transaction sent first when the allowance was short. */
  approveHash?: Hash;
  payer: `0x${string}`;
  /** Amount credited (what actually arrived). */
  deposited: bigint;
};
export type DepositErrorType = KhoInputError | KhoInsufficientFundsError | KhoRevertError | Error;

/** Deposits tokens into the fee escrow, approving it first for exactly `amount` when the allowance is short. */
export async function deposit(client: KhoClient, parameters: DepositParameters): Promise<DepositReturnType> {
  const sender = requireAccount(client, "deposit");
  const amount = toPositiveAmount(parameters.amount);
  const payer = parameters.payer === undefined ? sender : toAddress(parameters.payer, "payer");
  const escrow = client.addresses.FeeEscrow;
  const token = await read(client, { address: escrow, abi: feeEscrowAbi, functionName: "token", args: [] });
  const approveHash = await approveForPull(client, {
    token,
    owner: sender,
    spender: escrow,
    amount,
    purpose: "the deposit",
  });
  const { hash, logs } =
    payer === sender
      ? await transact(client, { address: escrow, abi: feeEscrowAbi, functionName: "deposit", args: [amount] })
      : await transact(client, {
          address: escrow,
          abi: feeEscrowAbi,
          functionName: "depositFor",
          args: [payer, amount],
        });
  const event = eventArgs(feeEscrowAbi, logs, "Deposited", escrow);
  return { hash, approveHash, payer: event.payer, deposited: event.amount };
}
