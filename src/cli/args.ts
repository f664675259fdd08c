import { readFileSync } from "node:fs";
import path from "node:path";
import type { Address, Hex } from "viem";
import { toAddress, toBytes32, toId } from "../sdk";
import { CliError } from "./errors";

/** Command-line values turned into typed values, each failure one sentence naming the value. */

export function parseId(text: string, kind: string): bigint {
  return toId(text, kind);
}

export function parseAddress(text: string, field = "address"): Address {
  return toAddress(text, field);
}

export function parseHash(text: string, field = "content hash"): Hex {
  return toBytes32(text, field);
}

/**
 * Addresses from a file, one per line; blank lines and `#` comments are skipped. A bad line is
 * reported with its number so a long member list is easy to fix.
 */
export function readAddressFile(file: string, cwd: string): Address[] {
  const full = path.resolve(cwd, file);
  let text: string;
  try {
    text = readFileSync(full, "utf8");
  } catch (cause) {
    throw new CliError(`cannot read address file ${file} (${(cause as NodeJS.ErrnoException).code ?? "error"})`, {
      cause,
    });
  }
  const addresses: Address[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "") return;
    try {
      addresses.push(toAddress(line));
    } catch (cause) {
      throw new CliError(`line ${index + 1} of ${file}: "${line}" is not an address`, { cause });
    }
  });
  if (addresses.length === 0) throw new CliError(`address file ${file} holds no addresses`);
  return addresses;
}
