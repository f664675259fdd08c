import { existsSync } from "node:fs";
import path from "node:path";
import { type Hex, createPublicClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type Deployment, deploymentFilePath, loadDeployment } from "../protocol/deployment";
import { type KhoClient, type TransactionEvent, createKhoClient } from "../sdk";
import { CliError } from "./errors";
import { type OutputMode, toJson } from "../render/output";

/**
 * Where the CLI gets its network, key and deployment. Precedence, highest first:
 *
 * 1. flags: `--rpc-url`, `--private-key`, `--deployment`;
 * 2. environment: `KHO_RPC_URL`, `KHO_PRIVATE_KEY`, `KHO_DEPLOYMENT_FILE` (main() loads `.env` from
 *    the current directory first, without overriding variables already set);
 * 3. defaults: RPC `http://127.0.0.1:8545`, deployment file `deployments/<chainId>.json` in the
 *    current directory, where the chain id is asked from the RPC. There is no default key:
 *    read-only commands need none, and commands that send transactions say how to give one.
 */
export const DEFAULT_RPC_URL = "http://127.0.0.1:8545";

export const ENV = {
  rpcUrl: "KHO_RPC_URL",
  privateKey: "KHO_PRIVATE_KEY",
  deployment: "KHO_DEPLOYMENT_FILE",
  mirrors: "KHO_MIRRORS",
} as const;

/** Options every command inherits from the `kho` program. */
export type GlobalOptions = {
  rpcUrl?: string;
  deployment?: string;
  privateKey?: string;
  json?: boolean;
};

export type CliIo = {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
};

export type CliContext = {
  /** `--json` or human output. */
  output(): OutputMode;
  /** Writes the command's result (stdout). */
  print(human: () => string, json: unknown): void;
  /** One progress line on stderr (never mixed into JSON on stdout). */
  progress(message: string): void;
  /** The resolved RPC URL (flag > env > default). */
  rpcUrl(): string;
  /** Chain id reported by the RPC; fails with "cannot reach the chain at <url>". */
  chainId(): Promise<number>;
  /** The deployment file's path and parsed content, checked against the RPC's chain id. */
  deployment(): Promise<{ file: string; deployment: Deployment }>;
  /** The private key from flag or env, or undefined. */
  privateKey(): Hex | undefined;
  /** A client for reads; it also signs when a key was given. */
  readClient(): Promise<KhoClient>;
  /** A client that signs, or a CliError telling how to provide a key. */
  writeClient(): Promise<KhoClient>;
  /** Directory relative paths are resolved against. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  io: CliIo;
};

export type CreateCliContextParameters = {
  /** Read lazily: commander parses global options only when a command runs. */
  options: () => GlobalOptions;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  io?: CliIo;
};

const PRIVATE_KEY = /^0x[0-9a-fA-F]{64}$/;

export function missingKeyMessage(): string {
  return `this command sends a transaction: pass --private-key <0x…> or set ${ENV.privateKey} (in the environment or .env)`;
}

export function createCliContext(parameters: CreateCliContextParameters): CliContext {
  const env = parameters.env ?? process.env;
  const cwd = parameters.cwd ?? process.cwd();
  const io = parameters.io ?? {
    stdout: (text: string) => process.stdout.write(text),
    stderr: (text: string) => process.stderr.write(text),
  };
  const opts = parameters.options;
  const nonEmpty = (value: string | undefined): string | undefined =>
    value === undefined || value.trim() === "" ? undefined : value.trim();

  let chainIdPromise: Promise<number> | undefined;
  let deploymentPromise: Promise<{ file: string; deployment: Deployment }> | undefined;

  const rpcUrl = (): string => {
    const url = nonEmpty(opts().rpcUrl) ?? nonEmpty(env[ENV.rpcUrl]) ?? DEFAULT_RPC_URL;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new CliError(`RPC URL "${url}" is not a URL`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new CliError(`RPC URL "${url}" must start with http:// or https://`);
    }
    return url;
  };

  const chainId = (): Promise<number> => {
    chainIdPromise ??= (async () => {
      const url = rpcUrl();
      const client = createPublicClient({ transport: http(url, { retryCount: 0, timeout: 10_000 }) });
      try {
        return await client.getChainId();
      } catch (cause) {
        throw new CliError(`cannot reach the chain at ${url}`, { cause });
      }
    })();
    return chainIdPromise;
  };

  const deployment = (): Promise<{ file: string; deployment: Deployment }> => {
    deploymentPromise ??= (async () => {
      const id = await chainId();
      const given = nonEmpty(opts().deployment) ?? nonEmpty(env[ENV.deployment]);
      const file = given ? path.resolve(cwd, given) : deploymentFilePath(cwd, id);
      if (!existsSync(file)) {
        throw new CliError(
          given
            ? `deployment file ${file} does not exist`
            : `no deployment file for chain ${id} at ${file}: deploy Kho first, or pass --deployment <file> or set ${ENV.deployment}`,
        );
      }
      const loaded = await loadDeployment({ file });
      if (loaded.chainId !== id) {
        throw new CliError(`deployment file ${file} is for chain ${loaded.chainId}, but ${rpcUrl()} is chain ${id}`);
      }
      return { file, deployment: loaded };
    })();
    return deploymentPromise;
  };

  const privateKey = (): Hex | undefined => {
    const fromFlag = nonEmpty(opts().privateKey);
    const key = fromFlag ?? nonEmpty(env[ENV.privateKey]);
    if (key === undefined) return undefined;
    // Never echo the key itself: it may be a real one with a typo.
    if (!PRIVATE_KEY.test(key)) {
      throw new CliError(
        `the private key from ${fromFlag ? "--private-key" : ENV.privateKey} is not 0x followed by 64 hex digits`,
      );
    }
    return key as Hex;
  };

  const progress = (message: string): void => io.stderr(`${message}\n`);

  const onTransaction = (event: TransactionEvent): void => {
    if (event.stage === "sent") progress(`… ${event.functionName}: sent ${event.hash}, waiting for confirmation`);
    else progress(`✓ ${event.functionName}: confirmed in block ${event.blockNumber}`);
  };

  const makeClient = async (key: Hex | undefined): Promise<KhoClient> => {
    const [{ deployment: d }, id] = await Promise.all([deployment(), chainId()]);
    return createKhoClient({
      rpcUrl: rpcUrl(),
      chainId: id,
      addresses: d.contracts,
      account: key === undefined ? undefined : privateKeyToAccount(key),
      deploymentBlock: d.blockNumber,
      onTransaction,
    });
  };

  const output = (): OutputMode => ({ json: opts().json === true });

  return {
    output,
    print(human, json) {
      io.stdout(`${output().json ? toJson(json) : human()}\n`);
    },
    progress,
    rpcUrl,
    chainId,
    deployment,
    privateKey,
    readClient: () => makeClient(privateKey()),
    async writeClient() {
      const key = privateKey();
      if (key === undefined) throw new CliError(missingKeyMessage());
      return makeClient(key);
    },
    cwd,
    env,
    io,
  };
}
