/** One model's row on the community page: chain facts joined with the epoch's public usage. */
export type ModelRow = {
  modelId: bigint;
  name: string;
  locale: string;
  communityId: bigint;
  community: string;
  deployments: number;
  calls: number;
  distinctUsers: number;
  returningUsers: number;
  returningMembers: number;
  fees: bigint;
  /** Builder + operator payout of the last computed epoch; null when no epoch was computed. */
  lastPayout: bigint | null;
  daily: { day: number; active: number; returning: number }[];
};

/**
 * The order the community page shows: returning members first (the signal Kho pays for), then
 * returning users, then calls; model id breaks ties so the order is stable.
 */
export function rankModels(rows: readonly ModelRow[]): ModelRow[] {
  return [...rows].sort(
    (a, b) =>
      b.returningMembers - a.returningMembers ||
      b.returningUsers - a.returningUsers ||
      b.calls - a.calls ||
      (a.modelId < b.modelId ? -1 : a.modelId > b.modelId ? 1 : 0),
  );
}

/** Share of distinct users who came back on another day, 0–100 (what makes local vs generic visible). */
export function returningShare(row: Pick<ModelRow, "distinctUsers" | "returningUsers">): number {
  return row.distinctUsers === 0 ? 0 : Math.round((row.returningUsers * 100) / row.distinctUsers);
}
