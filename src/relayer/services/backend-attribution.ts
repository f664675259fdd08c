import type { Logger } from "pino";
import {
  type AttributedEntry,
  MAX_ATTRIBUTED_ENTRIES,
  attributionSchema,
  normalizeAttribution,
} from "../../protocol/attribution";
import { describeZodIssue } from "../../protocol/zod-issue";
import type { RelayerMetrics } from "../metrics";

export type AcceptAttributionParameters = {
  /** The backend's `kho_attribution` value as it arrived; undefined or null when it reported none. */
  reported: unknown;
  deploymentId: bigint;
  metrics: Pick<RelayerMetrics, "attributionRejected">;
  log?: Logger;
};

/**
 * The dataset entries a call's receipt commits to: the backend's `kho_attribution`, normalized. A
 * backend that reports nothing attributes nothing. One that reports something invalid (not a list
 * of `{contentHash, entryId}`, or more than MAX_ATTRIBUTED_ENTRIES entries) attributes nothing too,
 * counted and logged: a citation is the backend's claim about its answer, never a reason to fail
 * the user's call.
 */
export function acceptAttribution(parameters: AcceptAttributionParameters): AttributedEntry[] {
  const { reported } = parameters;
  if (reported === undefined || reported === null) return [];
  const parsed = attributionSchema.safeParse(reported);
  if (parsed.success) return normalizeAttribution(parsed.data);
  const reason = Array.isArray(reported) && reported.length > MAX_ATTRIBUTED_ENTRIES ? "oversized" : "malformed";
  parameters.metrics.attributionRejected.inc({ reason });
  parameters.log?.warn(
    { deployment: parameters.deploymentId.toString(), reason, problem: describeZodIssue(parsed.error) },
    "The model deployment reported an invalid kho_attribution; the call attributes nothing.",
  );
  return [];
}
