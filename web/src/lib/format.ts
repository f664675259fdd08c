import { formatUnits, parseUnits } from "viem";

export const TOKEN_DECIMALS = 18;
export const TOKEN_SYMBOL = "KHO";

/** Token units for people: "12.5 KHO", never wei. */
export function formatToken(wei: bigint): string {
  return `${formatUnits(wei, TOKEN_DECIMALS)} ${TOKEN_SYMBOL}`;
}

/** Rounded to `digits` decimals for tables ("505.45 KHO"); the exact amount belongs in a title. */
export function formatTokenShort(wei: bigint, digits = 2): string {
  const unit = 10n ** BigInt(TOKEN_DECIMALS - digits);
  const rounded = ((wei + unit / 2n) / unit) * unit;
  return formatToken(rounded);
}

/** Parses what a person typed ("12.5") into wei; throws one sentence when it is not an amount. */
export function parseTokenAmount(text: string): bigint {
  const trimmed = text.trim();
  if (!/^[0-9]+(\.[0-9]+)?$/.test(trimmed))
    throw new Error(`"${text}" is not an amount of ${TOKEN_SYMBOL}; type a number such as 12.5.`);
  const fraction = trimmed.split(".")[1] ?? "";
  if (fraction.length > TOKEN_DECIMALS) throw new Error(`${TOKEN_SYMBOL} has at most ${TOKEN_DECIMALS} decimals.`);
  const wei = parseUnits(trimmed, TOKEN_DECIMALS);
  if (wei === 0n) throw new Error("The amount must be more than 0.");
  return wei;
}

/** "2 d 03 h 04 m 05 s" until `target`, or "now" once it has passed (both in chain seconds). */
export function formatCountdown(target: bigint, now: bigint): string {
  if (target <= now) return "now";
  let left = target - now;
  const d = left / 86_400n;
  left %= 86_400n;
  const h = left / 3600n;
  left %= 3600n;
  const m = left / 60n;
  const s = left % 60n;
  const pad = (v: bigint) => v.toString().padStart(2, "0");
  return `${d > 0n ? `${d} d ` : ""}${pad(h)} h ${pad(m)} m ${pad(s)} s`;
}

export function shortHex(hex: string): string {
  return hex.length <= 14 ? hex : `${hex.slice(0, 8)}…${hex.slice(-6)}`;
}
