import { KhoInputError } from "../errors";

/** Which ids a list action reads: `limit` ids from `fromId` (default: the first 100). */
export type PageParameters = { fromId?: bigint; limit?: number };
export type Page<item> = { items: item[]; total: bigint };

export const DEFAULT_PAGE_LIMIT = 100;

/** Ids `fromId .. min(total, fromId + limit - 1)`; registries number from 1 without gaps. */
export function pageIds(total: bigint, { fromId = 1n, limit = DEFAULT_PAGE_LIMIT }: PageParameters = {}): bigint[] {
  if (fromId < 1n) throw new KhoInputError(`fromId must be at least 1, got ${fromId}`);
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new KhoInputError(`limit must be a positive integer, got ${limit}`);
  const ids: bigint[] = [];
  for (let id = fromId; id <= total && ids.length < limit; id++) ids.push(id);
  return ids;
}
