import { z } from "zod";

/**
 * Reads of the off-chain facts `kho dev` serves read-only (docs in README "The web page"): the
 * epoch's usage from public batch files, and the reward files `kho rewards compute` wrote.
 */
const uint = z
  .string()
  .regex(/^(0|[1-9][0-9]*)$/)
  .transform((v) => BigInt(v));

const usageSchema = z.object({
  epoch: uint,
  epochStart: uint,
  days: z.number(),
  batches: z.object({
    accepted: z.number(),
    rejected: z.array(z.object({ relayer: z.string(), batchId: z.string(), reason: z.string() })),
  }),
  models: z.array(
    z.object({
      modelId: uint,
      communityId: uint,
      calls: z.number(),
      distinctUsers: z.number(),
      returningUsers: z.number(),
      returningMembers: z.number(),
      fees: uint,
      daily: z.array(z.object({ day: z.number(), active: z.number(), returning: z.number() })),
    }),
  ),
});
export type EpochUsage = z.output<typeof usageSchema>;

const treeSchema = z.object({
  epoch: uint,
  root: z.string().nullable(),
  total: uint,
  accounts: z.array(
    z.object({
      account: z.string(),
      previous: uint,
      payout: uint,
      cumulative: uint,
      leaf: z.string(),
      proof: z.array(z.string().regex(/^0x[0-9a-fA-F]{64}$/) as z.ZodType<`0x${string}`>),
    }),
  ),
});
export type RewardTreeFile = z.output<typeof treeSchema>;

const explanation = z.array(z.looseObject({}));
const payoutsSchema = z.looseObject({
  epoch: uint,
  accounts: z.array(
    z.looseObject({
      account: z.string(),
      amount: uint,
      byRole: z.record(z.string(), uint),
      builder: explanation,
      operator: explanation,
      staker: explanation,
    }),
  ),
  models: z.array(z.looseObject({ modelId: uint, builderPayout: uint, operatorPayout: uint })),
});
export type PayoutsFile = z.output<typeof payoutsSchema>;

async function getJson<T>(url: string, schema: z.ZodType<T>): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}.`);
  const parsed = schema.safeParse(await response.json());
  if (!parsed.success) throw new Error(`${url} is not in the expected format (${parsed.error.issues[0]?.message}).`);
  return parsed.data;
}

const api = (path: string) => new URL(`api/${path}`, window.location.href).href;

export const fetchUsage = (epoch: bigint) => getJson(api(`usage/${epoch}.json`), usageSchema);
export const fetchEpochList = async () =>
  (await getJson(api("epochs.json"), z.object({ epochs: z.array(uint) }))).epochs;
export const fetchTree = (epoch: bigint) => getJson(api(`epochs/${epoch}/tree.json`), treeSchema);
export const fetchPayouts = (epoch: bigint) => getJson(api(`epochs/${epoch}/payouts.json`), payoutsSchema);
export async function fetchReport(epoch: bigint): Promise<string> {
  const response = await fetch(api(`epochs/${epoch}/report.md`));
  if (!response.ok) throw new Error(`Epoch ${epoch} has no report yet.`);
  return response.text();
}
