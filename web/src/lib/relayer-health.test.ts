import { describe, expect, it } from "vitest";
import { type RelayerHealth, deploymentHealthText } from "./relayer-health";

const health: RelayerHealth = {
  status: "degraded",
  checks: {
    deployments: {
      unhealthy: [
        { deploymentId: "3", consecutiveFailures: 2, lastError: "upstream_connection_error", retryAt: 20_000 },
      ],
    },
  },
};

describe("deploymentHealthText", () => {
  it("says serving for a deployment the relayer does not skip", () => {
    expect(deploymentHealthText(health, 1n, 10_000)).toBe("serving");
  });

  it("names the failure and how long the relayer skips a failing deployment", () => {
    expect(deploymentHealthText(health, 3n, 10_500)).toBe(
      "failing (2 in a row, upstream_connection_error); skipped for 10 s more",
    );
    expect(deploymentHealthText(health, 3n, 25_000)).toBe(
      "failing (2 in a row, upstream_connection_error); next call retries it",
    );
  });
});
