import { readFile } from "node:fs/promises";
import { type Address, getAddress, isAddress } from "viem";
import { z } from "zod";
import { describeZodIssue } from "../protocol/zod-issue";
import { type DeployKhoParameters, DeployKhoError } from "./deploy-kho";

/**
 * Ignition's parameters file (`--parameters` of `hardhat ignition deploy`), read by
 * scripts/deploy.ts too so one file serves both: `{ "Kho": { ... }, "KhoWithRelayer": { "relayer" } }`.
 * Integers are JSON numbers or decimal strings, optionally with Ignition's bigint suffix `n`.
 */
const uint = z
  .union([z.number().int().nonnegative(), z.string().regex(/^(0|[1-9][0-9]*)n?$/)])
  .transform((value) => BigInt(typeof value === "number" ? value : value.replace(/n$/, "")));

const address = z
  .string()
  .refine((value) => isAddress(value, { strict: false }), { message: "must be a 20-byte hex address" })
  .transform((value): Address => getAddress(value));

const parametersFileSchema = z
  .object({
    Kho: z
      .object({
        genesis: uint,
        epochLength: uint,
        batchGracePeriod: uint,
        unbondingPeriod: uint,
        timelock: uint,
        minBond: uint,
        settlementWindow: uint,
        thawPeriod: uint,
        protocolFeeBps: uint,
        admin: address,
        poster: address,
        guardian: address,
        governor: address,
      })
      .partial()
      .strict(),
    KhoWithRelayer: z.object({ relayer: address }).strict(),
  })
  .partial()
  .strict();

/** Reads an Ignition parameters file into deployKho's parameters; throws DeployKhoError naming the bad field. */
export async function readParametersFile(file: string): Promise<DeployKhoParameters> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, "utf8"));
  } catch (cause) {
    throw new DeployKhoError(`Cannot read the parameters file ${file} as JSON.`, { cause });
  }
  const result = parametersFileSchema.safeParse(json);
  if (!result.success) {
    throw new DeployKhoError(`Invalid parameters file ${file}: ${describeZodIssue(result.error)}.`, {
      cause: result.error,
    });
  }
  return { ...result.data.Kho, relayer: result.data.KhoWithRelayer?.relayer };
}
