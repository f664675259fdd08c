import { type Address, type Hex, getAddress } from "viem";
import { z } from "zod";

const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "must be an address")
  .transform((a) => getAddress(a));
const uint = z
  .string()
  .regex(/^(0|[1-9][0-9]*)$/, "must be a decimal integer string")
  .transform((v) => BigInt(v));

/** What `/api/config.json` holds (served by `kho dev`; place the same file beside a static build). */
const configSchema = z.object({
  deployment: z.object({
    chainId: z.number().int().positive(),
    blockNumber: uint,
    contracts: z.looseObject({
      KhoToken: address,
      CommunityRegistry: address,
      DatasetStaking: address,
      ModelRegistry: address,
      UsageLedger: address,
      RewardDistributor: address,
      FeeEscrow: address.optional(),
    }),
    epoch: z.object({ genesis: uint, length: uint, batchGracePeriod: uint }),
  }),
  rpcUrl: z.string(),
  relayerUrl: z.string(),
  apiKey: z.string().optional(),
  devAccounts: z
    .array(
      z.object({
        label: z.string(),
        address,
        privateKey: z.string().regex(/^0x[0-9a-fA-F]{64}$/) as z.ZodType<Hex>,
      }),
    )
    .default([]),
});

export type KhoConfig = z.output<typeof configSchema>;
export type DevAccount = KhoConfig["devAccounts"][number];
export type Contracts = KhoConfig["deployment"]["contracts"];
export type { Address };

/** Parses the config; relative URLs are resolved against the page so the bundle works under any origin. */
export function parseConfig(json: unknown, base: string): KhoConfig {
  const parsed = configSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`The page's config.json is invalid at ${issue?.path.join(".") || "the top"}: ${issue?.message}.`);
  }
  return {
    ...parsed.data,
    rpcUrl: new URL(parsed.data.rpcUrl, base).href,
    relayerUrl: new URL(parsed.data.relayerUrl, base).href.replace(/\/+$/, ""),
  };
}

export async function loadConfig(): Promise<KhoConfig> {
  const url = new URL("api/config.json", window.location.href).href;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`Could not load ${url} (HTTP ${response.status}); is kho dev running?`);
  return parseConfig(await response.json(), window.location.href);
}
