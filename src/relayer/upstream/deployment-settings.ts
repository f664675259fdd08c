import fs from "node:fs";
import { z } from "zod";

/**
 * What the relayer operator knows about a deployment that the chain must not: the upstream's API key
 * and the model id its server expects. Read from the operator's own file (KHO_UPSTREAM_DEPLOYMENTS_FILE),
 * never registered on chain.
 */
export type DeploymentSettings = {
  /** Sent with every call to this deployment (OpenRouter, Groq, vLLM --api-key, LiteLLM master key…). */
  apiKey?: string;
  /** Header carrying the key: `authorization` (the default) sends `Bearer <key>`, any other sends the key as is. */
  apiKeyHeader: string;
  /** The `model` the upstream expects (e.g. `llama3.2:3b`); the registered model name when absent. */
  upstreamModel?: string;
};

const headerName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "must be an HTTP header name")
  .transform((v) => v.toLowerCase());

const entrySchema = z.strictObject({
  apiKey: z
    .string()
    .min(1)
    .regex(/^[\x21-\x7e]+$/, "must be visible ASCII without spaces")
    .optional(),
  apiKeyHeader: headerName.default("authorization"),
  upstreamModel: z.string().min(1).max(256).optional(),
});

/** `{ "<deployment id>": { "apiKey"?, "apiKeyHeader"?, "upstreamModel"? } }`. */
export const deploymentSettingsFileSchema = z.record(z.string(), entrySchema);

const DEPLOYMENT_ID = /^[1-9]\d{0,77}$/;

export class DeploymentSettingsError extends Error {
  override readonly name = "DeploymentSettingsError";
}

/** Parses the operator's deployment settings; the error names the file and the first bad entry. */
export function parseDeploymentSettings(
  json: unknown,
  source = "deployment settings",
): Map<bigint, DeploymentSettings> {
  if (typeof json === "object" && json !== null && !Array.isArray(json)) {
    const bad = Object.keys(json).find((key) => !DEPLOYMENT_ID.test(key));
    if (bad !== undefined) throw new DeploymentSettingsError(`${source}: ${bad} is not a deployment id.`);
  }
  const parsed = deploymentSettingsFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join(".") : "(root)";
    throw new DeploymentSettingsError(`${source}: ${where} ${issue.message}.`);
  }
  return new Map(Object.entries(parsed.data).map(([id, entry]) => [BigInt(id), entry]));
}

export function readDeploymentSettingsFile(file: string): Map<bigint, DeploymentSettings> {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new DeploymentSettingsError(`${file} could not be read as JSON.`, { cause: error });
  }
  return parseDeploymentSettings(json, file);
}

/** The request headers that authenticate the relayer to this deployment's server. */
export function upstreamAuthHeaders(settings: DeploymentSettings | undefined): Record<string, string> {
  if (settings?.apiKey === undefined) return {};
  const value = settings.apiKeyHeader === "authorization" ? `Bearer ${settings.apiKey}` : settings.apiKey;
  return { [settings.apiKeyHeader]: value };
}
