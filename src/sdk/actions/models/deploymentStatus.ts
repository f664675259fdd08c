/** ModelRegistry's `Status` enum, by name (index = the on-chain value). */
export const DEPLOYMENT_STATUSES = ["none", "active", "paused", "removed"] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

export function deploymentStatusName(value: number): DeploymentStatus {
  const name = DEPLOYMENT_STATUSES[value];
  if (name === undefined) throw new Error(`unknown deployment status ${value}`);
  return name;
}

export function deploymentStatusValue(name: DeploymentStatus): number {
  return DEPLOYMENT_STATUSES.indexOf(name);
}
