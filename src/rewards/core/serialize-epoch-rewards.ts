import { prettyCanonicalJson } from "../../protocol/pretty-canonical-json";
import type { EpochRewardsResult } from "./types";

/** Canonical JSON of a result (bigints as decimal strings): byte-identical for identical inputs. */
export function serializeEpochRewards(result: EpochRewardsResult): string {
  return prettyCanonicalJson({ version: 2, ...result });
}
