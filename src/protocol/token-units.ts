import { formatUnits } from "viem";

/** Decimals of the Kho token: fees, prices and balances are integers of 10^-18 KHO. */
export const TOKEN_DECIMALS = 18;
export const TOKEN_SYMBOL = "KHO";

/** Token base units as people read them, with the symbol and without trailing zeros (e.g. `0.5 KHO`). */
export function formatKho(amount: bigint): string {
  return `${formatUnits(amount, TOKEN_DECIMALS)} ${TOKEN_SYMBOL}`;
}
