import { type Address, type Hash } from "viem";
import { formatKho } from "../../../protocol/token-units";
import { khoTokenAbi } from "../../../protocol/abis";
import type { KhoClient } from "../../client";
import { KhoInsufficientFundsError } from "../../errors";
import { read, transact } from "../../transact";

/**
 * Checks that `owner` holds `amount` of `token` and approves `spender` for exactly `amount` when the allowance is
 * short, so a contract can pull the tokens next (escrow deposits, community bonds). Returns the approve hash when
 * one was sent.
 */
export async function approveForPull(
  client: KhoClient,
  parameters: { token: Address; owner: Address; spender: Address; amount: bigint; purpose: string },
): Promise<Hash | undefined> {
  const { token, owner, spender, amount, purpose } = parameters;
  const [balance, allowance] = await Promise.all([
    read(client, { address: token, abi: khoTokenAbi, functionName: "balanceOf", args: [owner] }),
    read(client, { address: token, abi: khoTokenAbi, functionName: "allowance", args: [owner, spender] }),
  ]);
  if (balance < amount) {
    throw new KhoInsufficientFundsError(
      owner,
      balance,
      amount,
      `${owner} holds ${formatKho(balance)} but ${purpose} needs ${formatKho(amount)}`,
    );
  }
  if (allowance >= amount) return undefined;
  const { hash } = await transact(client, {
    address: token,
    abi: khoTokenAbi,
    functionName: "approve",
    args: [spender, amount],
  });
  return hash;
}
