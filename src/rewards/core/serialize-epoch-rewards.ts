import { canonicalJson } from "./canonical-json";
import type { EpochRewardsResult } from "./types";

/** Canonical JSON of a result (bigints as decimal strings): byte-identical for identical inputs. */
export function serializeEpochRewards(result: EpochRewardsResult): string {
  return canonicalJson({ version: 2, ...result });
}
