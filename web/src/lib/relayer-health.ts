import { z } from "zod";

/** The part of the relayer's GET /health the page shows: the deployments its circuit breaker skips. */
const healthSchema = z.object({
  status: z.string(),
  checks: z.object({
    deployments: z.object({
      unhealthy: z.array(
        z.object({
          deploymentId: z.string(),
          consecutiveFailures: z.number(),
          lastError: z.string(),
          retryAt: z.number(),
        }),
      ),
    }),
  }),
});

export type RelayerHealth = z.infer<typeof healthSchema>;

/** GET <relayer>/health; a degraded or unavailable relayer still answers with its report (HTTP 503). */
export async function readRelayerHealth(relayerUrl: string): Promise<RelayerHealth> {
  const response = await fetch(`${relayerUrl}/health`);
  const parsed = healthSchema.safeParse(await response.json().catch(() => null));
  if (!parsed.success) throw new Error(`The relayer's health report is unreadable (HTTP ${response.status}).`);
  return parsed.data;
}

/** One deployment's live health as the relayer sees it from the calls it forwards, in a few words. */
export function deploymentHealthText(health: RelayerHealth, deploymentId: bigint, nowMs: number): string {
  const entry = health.checks.deployments.unhealthy.find((d) => d.deploymentId === deploymentId.toString());
  if (!entry) return "serving";
  const seconds = Math.max(0, Math.ceil((entry.retryAt - nowMs) / 1000));
  return `failing (${entry.consecutiveFailures} in a row, ${entry.lastError}); ${
    seconds === 0 ? "next call retries it" : `skipped for ${seconds} s more`
  }`;
}
