import fs from "node:fs";
import os from "node:os";
import { type Address, type Hex, getAddress, isAddress } from "viem";
import { z } from "zod";
import { parseDeployment } from "../protocol/deployment";
import { KhoError } from "../protocol/errors";
import { type Mirror, parseMirrorList } from "../protocol/mirror";
import { type DeploymentSettings, readDeploymentSettingsFile } from "./upstream/deployment-settings";

const hex32 = (what: string) =>
  z.string().regex(/^0x[0-9a-fA-F]{64}$/, `must be ${what}: 0x followed by 64 hex digits`);

const address = z
  .string()
  .refine((v) => isAddress(v, { strict: false }), "must be a 20-byte hex address")
  .transform((v) => getAddress(v));

const intFrom = (min: number, max: number) =>
  z.coerce
    .number({ error: "must be a whole number" })
    .int("must be a whole number")
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"], { error: "must be true or false" })
  .transform((v) => v === "true" || v === "1" || v === "yes");

/** Environment variables the relayer reads (dotenv fills them from `.env`). */
export const relayerEnvSchema = z.object({
  KHO_RPC_URL: z.url({ protocol: /^(https?|wss?)$/, error: "must be an http(s) or ws(s) JSON-RPC URL" }),
  KHO_CHAIN_ID: intFrom(1, 2 ** 53 - 1).optional(),
  KHO_DEPLOYMENT_FILE: z.string().min(1).optional(),
  KHO_USAGE_LEDGER_ADDRESS: address.optional(),
  KHO_MODEL_REGISTRY_ADDRESS: address.optional(),
  KHO_FEE_ESCROW_ADDRESS: address.optional(),
  KHO_RELAYER_PRIVATE_KEY: hex32("a private key"),
  KHO_RELAYER_DB: z.string().min(1).default(".kho/relayer.sqlite"),
  KHO_RELAYER_HOST: z.string().min(1).default("127.0.0.1"),
  KHO_RELAYER_PORT: intFrom(0, 65535).default(8787),
  KHO_RELAYER_PUBLIC_URL: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
  KHO_USER_ID_SALT: hex32("a secret salt"),
  KHO_BATCH_MAX_RECEIPTS: intFrom(1, 65536).default(256),
  KHO_BATCH_MAX_AGE_SECONDS: intFrom(1, 86400).default(30),
  KHO_UPSTREAM_TIMEOUT_MS: intFrom(100, 600_000).default(60_000),
  KHO_UPSTREAM_MAX_RESPONSE_BYTES: intFrom(1024, 64 * 1024 * 1024).default(2 * 1024 * 1024),
  KHO_MAX_BODY_BYTES: intFrom(1024, 16 * 1024 * 1024).default(1024 * 1024),
  KHO_RATE_LIMIT_PER_MINUTE: intFrom(1, 1_000_000).default(120),
  KHO_IP_RATE_LIMIT_PER_MINUTE: intFrom(1, 1_000_000).default(600),
  KHO_ALLOW_LOOPBACK_UPSTREAMS: bool.default(false),
  KHO_UPSTREAM_DEPLOYMENTS_FILE: z.string().min(1).optional(),
  KHO_SIGNER_THREADS: intFrom(1, 256).optional(),
  KHO_MIN_SIGNER_BALANCE_WEI: z
    .string()
    .regex(/^\d{1,78}$/, "must be a whole number of wei")
    .default("10000000000000000")
    .transform((v) => BigInt(v)),
  KHO_MODEL_CACHE_TTL_SECONDS: intFrom(1, 86400).default(30),
  KHO_CHAIN_MAX_STALE_SECONDS: intFrom(10, 86400).default(600),
  KHO_UPSTREAM_BLOCKED_PORTS: z
    .string()
    .regex(/^(none|\d{1,5}(,\d{1,5})*)$/, "must be a comma-separated list of ports, or none")
    .transform((v) => (v === "none" ? [] : v.split(",").map(Number)))
    .refine((ports) => ports.every((p) => p >= 1 && p <= 65535), "must name ports between 1 and 65535")
    .optional(),
  KHO_HEADERS_TIMEOUT_MS: intFrom(1000, 600_000).default(10_000),
  KHO_REQUEST_TIMEOUT_MS: intFrom(1000, 3_600_000).optional(),
  KHO_KEEP_ALIVE_TIMEOUT_MS: intFrom(100, 600_000).default(5_000),
  KHO_MAX_CONNECTIONS_PER_IP: intFrom(1, 1_000_000).default(64),
  /** How long a payer's FeeEscrow balance is reused before it is read again (a deposit shows up within it). */
  KHO_ESCROW_BALANCE_CACHE_MS: intFrom(0, 60_000).default(2_000),
  /** Where sealed batch files are copied, by dataHash: comma-separated dir:<path> and http(s):// base URLs (docs/operations.md). */
  KHO_BATCH_MIRRORS: z.string().min(1).optional(),
  KHO_LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
      error: "must be one of fatal, error, warn, info, debug, trace, silent",
    })
    .default("info"),
});

export type RelayerContracts = { usageLedger: Address; modelRegistry: Address; feeEscrow: Address };

export type RelayerConfig = {
  rpcUrl: string;
  chainId?: number;
  contracts: RelayerContracts;
  relayerPrivateKey: Hex;
  dbPath: string;
  host: string;
  port: number;
  publicUrl: string;
  userIdSalt: Hex;
  batch: { maxReceipts: number; maxAgeSeconds: number };
  upstream: {
    timeoutMs: number;
    maxResponseBytes: number;
    allowLoopback: boolean;
    /** Per-deployment API keys and upstream model names from KHO_UPSTREAM_DEPLOYMENTS_FILE (operator-only). */
    deploymentSettings?: Map<bigint, DeploymentSettings>;
  };
  maxBodyBytes: number;
  rateLimit: { perCallerPerMinute: number; perIpPerMinute: number };
  signerThreads: number;
  minSignerBalanceWei: bigint;
  modelCacheTtlSeconds: number;
  /**
   * How long, without reaching the chain, the relayer keeps dating receipts on its monotonic timer
   * and serving its last known registry before it answers 503 (KHO_CHAIN_MAX_STALE_SECONDS).
   */
  chainMaxStaleSeconds?: number;
  /** The epoch schedule from the deployment file: lets the relayer start while the chain is down. */
  schedule?: { genesis: bigint; length: bigint; batchGracePeriod: bigint };
  /** Ports endpoints may not name; undefined means DEFAULT_BLOCKED_PORTS (src/relayer/upstream/endpoint-policy.ts). */
  upstreamBlockedPorts?: number[];
  server?: {
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    keepAliveTimeoutMs: number;
    maxConnectionsPerIp: number;
  };
  escrowBalanceCacheMs: number;
  /** Mirrors every sealed batch file is copied to (KHO_BATCH_MIRRORS); none when unset. */
  batchMirrors?: Mirror[];
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
};

/** Thrown when the environment does not describe a runnable relayer; one sentence per problem. */
export class ConfigError extends KhoError {
  override readonly name = "ConfigError";
  readonly code = "relayer_config_invalid";
  constructor(
    readonly problems: string[],
    options?: { cause?: unknown },
  ) {
    super(`invalid relayer configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`, options);
  }
}

function readDeploymentFile(file: string): RelayerContracts & {
  chainId: number;
  schedule: NonNullable<RelayerConfig["schedule"]>;
} {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new ConfigError([`KHO_DEPLOYMENT_FILE ${file} could not be read as JSON.`], { cause: error });
  }
  try {
    const deployment = parseDeployment(json);
    return {
      usageLedger: deployment.contracts.UsageLedger,
      modelRegistry: deployment.contracts.ModelRegistry,
      feeEscrow: deployment.contracts.FeeEscrow,
      chainId: deployment.chainId,
      schedule: deployment.epoch,
    };
  } catch (error) {
    throw new ConfigError([`KHO_DEPLOYMENT_FILE ${file}: ${error instanceof Error ? error.message : String(error)}`], {
      cause: error,
    });
  }
}

function readSettings(file: string): Map<bigint, DeploymentSettings> {
  try {
    return readDeploymentSettingsFile(file);
  } catch (error) {
    throw new ConfigError([`KHO_UPSTREAM_DEPLOYMENTS_FILE ${error instanceof Error ? error.message : String(error)}`], {
      cause: error,
    });
  }
}

/**
 * Validates the environment into a config. Unset and empty variables are the same thing (an empty
 * line in `.env` must not override a default with "").
 */
export function loadRelayerConfig(env: NodeJS.ProcessEnv = process.env): RelayerConfig {
  const cleaned: Record<string, string> = {};
  for (const key of Object.keys(relayerEnvSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== "") cleaned[key] = value.trim();
  }
  const result = relayerEnvSchema.safeParse(cleaned);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "environment");
      const message = issue.code === "invalid_type" && cleaned[name] === undefined ? "is required" : issue.message;
      return `${name} ${message}.`;
    });
    throw new ConfigError(problems);
  }
  const e = result.data;
  let contracts: RelayerContracts;
  let chainId = e.KHO_CHAIN_ID;
  let schedule: RelayerConfig["schedule"];
  if (e.KHO_USAGE_LEDGER_ADDRESS && e.KHO_MODEL_REGISTRY_ADDRESS && e.KHO_FEE_ESCROW_ADDRESS) {
    contracts = {
      usageLedger: e.KHO_USAGE_LEDGER_ADDRESS,
      modelRegistry: e.KHO_MODEL_REGISTRY_ADDRESS,
      feeEscrow: e.KHO_FEE_ESCROW_ADDRESS,
    };
  } else if (e.KHO_DEPLOYMENT_FILE) {
    const file = readDeploymentFile(e.KHO_DEPLOYMENT_FILE);
    contracts = { usageLedger: file.usageLedger, modelRegistry: file.modelRegistry, feeEscrow: file.feeEscrow };
    if (chainId !== undefined && chainId !== file.chainId) {
      throw new ConfigError([`KHO_CHAIN_ID ${chainId} differs from chain ${file.chainId} in KHO_DEPLOYMENT_FILE.`]);
    }
    chainId = file.chainId;
    schedule = file.schedule;
  } else {
    throw new ConfigError([
      "KHO_DEPLOYMENT_FILE is required unless KHO_USAGE_LEDGER_ADDRESS, KHO_MODEL_REGISTRY_ADDRESS and KHO_FEE_ESCROW_ADDRESS are all set.",
    ]);
  }
  const host = e.KHO_RELAYER_HOST;
  if (e.KHO_RELAYER_PUBLIC_URL !== undefined && e.KHO_RELAYER_PUBLIC_URL.length > 400) {
    // Batch data URIs (<url>/v1/batches/<relayer>/<id>) must fit UsageLedger's 512-byte limit.
    throw new ConfigError(["KHO_RELAYER_PUBLIC_URL must be at most 400 characters."]);
  }
  let batchMirrors: Mirror[];
  try {
    batchMirrors = e.KHO_BATCH_MIRRORS === undefined ? [] : parseMirrorList(e.KHO_BATCH_MIRRORS);
  } catch (error) {
    throw new ConfigError([`KHO_BATCH_MIRRORS: ${error instanceof Error ? error.message : String(error)}`], {
      cause: error,
    });
  }
  return {
    rpcUrl: e.KHO_RPC_URL,
    chainId,
    contracts,
    relayerPrivateKey: e.KHO_RELAYER_PRIVATE_KEY as Hex,
    dbPath: e.KHO_RELAYER_DB,
    host,
    port: e.KHO_RELAYER_PORT,
    publicUrl: (
      e.KHO_RELAYER_PUBLIC_URL ?? `http://${host.includes(":") ? `[${host}]` : host}:${e.KHO_RELAYER_PORT}`
    ).replace(/\/+$/, ""),
    userIdSalt: e.KHO_USER_ID_SALT as Hex,
    batch: { maxReceipts: e.KHO_BATCH_MAX_RECEIPTS, maxAgeSeconds: e.KHO_BATCH_MAX_AGE_SECONDS },
    upstream: {
      timeoutMs: e.KHO_UPSTREAM_TIMEOUT_MS,
      maxResponseBytes: e.KHO_UPSTREAM_MAX_RESPONSE_BYTES,
      allowLoopback: e.KHO_ALLOW_LOOPBACK_UPSTREAMS,
      deploymentSettings: e.KHO_UPSTREAM_DEPLOYMENTS_FILE ? readSettings(e.KHO_UPSTREAM_DEPLOYMENTS_FILE) : new Map(),
    },
    maxBodyBytes: e.KHO_MAX_BODY_BYTES,
    rateLimit: { perCallerPerMinute: e.KHO_RATE_LIMIT_PER_MINUTE, perIpPerMinute: e.KHO_IP_RATE_LIMIT_PER_MINUTE },
    signerThreads: e.KHO_SIGNER_THREADS ?? Math.max(1, os.availableParallelism() - 1),
    minSignerBalanceWei: e.KHO_MIN_SIGNER_BALANCE_WEI,
    modelCacheTtlSeconds: e.KHO_MODEL_CACHE_TTL_SECONDS,
    chainMaxStaleSeconds: e.KHO_CHAIN_MAX_STALE_SECONDS,
    schedule,
    upstreamBlockedPorts: e.KHO_UPSTREAM_BLOCKED_PORTS,
    server: {
      headersTimeoutMs: e.KHO_HEADERS_TIMEOUT_MS,
      // A request may legitimately wait for the upstream's whole budget; the margin covers signing and storing.
      requestTimeoutMs: e.KHO_REQUEST_TIMEOUT_MS ?? e.KHO_UPSTREAM_TIMEOUT_MS + 30_000,
      keepAliveTimeoutMs: e.KHO_KEEP_ALIVE_TIMEOUT_MS,
      maxConnectionsPerIp: e.KHO_MAX_CONNECTIONS_PER_IP,
    },
    escrowBalanceCacheMs: e.KHO_ESCROW_BALANCE_CACHE_MS,
    batchMirrors,
    logLevel: e.KHO_LOG_LEVEL,
  };
}
