import { type Address, isAddressEqual } from "viem";
import { z } from "zod";
import { describeZodIssue } from "../../protocol/zod-issue";
import { RewardsInputError } from "./errors";

const decimal = z
  .string()
  .regex(/^(0|[1-9][0-9]*)$/, "must be a decimal integer")
  .transform((s) => BigInt(s));

// Only what contributor income needs; the rest of a payouts file (serializeEpochRewards) is ignored.
const payoutsSchema = z.looseObject({
  epoch: decimal,
  accounts: z.array(
    z.looseObject({
      account: z.string(),
      contributor: z
        .array(z.looseObject({ modelId: decimal, datasetId: decimal, entryId: z.string(), amount: decimal }))
        .default([]),
    }),
  ),
});

export type ContributorIncomeEntry = {
  epoch: bigint;
  datasetId: bigint;
  entryId: string;
  modelId: bigint;
  amount: bigint;
};

/**
 * An account's contributor income by entry in one epoch's payouts file (what `kho rewards compute`
 * writes as payouts.json): one row per (entry, model whose answers cited it).
 */
export function contributorIncome(
  payouts: unknown,
  account: Address,
  source = "payouts file",
): ContributorIncomeEntry[] {
  const parsed = payoutsSchema.safeParse(payouts);
  if (!parsed.success) {
    throw new RewardsInputError(`${source} is not an epoch payouts file: ${describeZodIssue(parsed.error)}.`, {
      cause: parsed.error,
    });
  }
  const mine = parsed.data.accounts.find(
    (a) => /^0x[0-9a-fA-F]{40}$/.test(a.account) && isAddressEqual(a.account as Address, account),
  );
  return (mine?.contributor ?? []).map((c) => ({
    epoch: parsed.data.epoch,
    datasetId: c.datasetId,
    entryId: c.entryId,
    modelId: c.modelId,
    amount: c.amount,
  }));
}
