import { formatUnits, parseUnits } from "viem";
import { TOKEN_DECIMALS } from "../protocol/token-units";
import { CliError } from "./errors";

/** Parses a human token amount such as `12.5` into base units; rejects anything else. */
export function parseTokenAmount(text: string, decimals = TOKEN_DECIMALS): bigint {
  const trimmed = text.trim();
  if (!/^\d+(\.\d+)?$/.test(trimmed)) {
    throw new CliError(`"${text}" is not a token amount: use digits with an optional decimal point, e.g. 12.5`);
  }
  const fraction = trimmed.split(".")[1] ?? "";
  if (fraction.length > decimals) {
    throw new CliError(`"${text}" has more than ${decimals} decimal places`);
  }
  return parseUnits(trimmed, decimals);
}

export function parsePositiveTokenAmount(text: string, decimals = TOKEN_DECIMALS): bigint {
  const amount = parseTokenAmount(text, decimals);
  if (amount === 0n) throw new CliError(`the amount must be greater than zero, got "${text}"`);
  return amount;
}

/** Formats base units as a token amount without trailing zeros (e.g. `12.5`). */
export function formatTokenAmount(amount: bigint, decimals = TOKEN_DECIMALS): string {
  return formatUnits(amount, decimals);
}
