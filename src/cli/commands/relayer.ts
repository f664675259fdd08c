import { existsSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { ApiKeyError, createApiKey, listApiKeys, revokeApiKey } from "../../relayer/auth/api-keys";
import { ConfigError, loadRelayerConfig } from "../../relayer/config";
import { startRelayer } from "../../relayer/server";
import { type ApiKeyRecord, type RelayerStore, isPostgresUrl, openStore } from "../../relayer/store";
import { parseAddress } from "../args";
import { type CliContext, DEFAULT_RPC_URL, ENV, type GlobalOptions } from "../context";
import { CliError } from "../errors";
import { formatTime, renderTable } from "../../render/output";

/** Where the relayer keeps its SQLite database unless told otherwise (same default as the relayer). */
export const DEFAULT_RELAYER_DB = ".kho/relayer.sqlite";
export const RELAYER_DB_ENV = "KHO_RELAYER_DB";

const KEY_ID = /^key_[0-9a-f]{16}$/;

type DbOptions = { db?: string };

function dbPath(ctx: CliContext, options: DbOptions): string {
  const given = options.db?.trim() || ctx.env[RELAYER_DB_ENV]?.trim() || DEFAULT_RELAYER_DB;
  return path.resolve(ctx.cwd, given);
}

/**
 * Opens the relayer database for one command. Reading commands never create it: a typo in --db
 * must not look like an empty key list.
 */
async function withStore<T>(
  ctx: CliContext,
  options: DbOptions,
  create: boolean,
  fn: (store: RelayerStore) => Promise<T>,
): Promise<T> {
  const file = dbPath(ctx, options);
  if (!create && !isPostgresUrl(file) && !existsSync(file)) {
    throw new CliError(
      `there is no relayer database at ${file}: pass --db <file> or set ${RELAYER_DB_ENV}, or create a key first`,
    );
  }
  let store: RelayerStore;
  try {
    store = await openStore(file);
  } catch (cause) {
    throw new CliError(`cannot open the relayer database at ${redactUrl(file)}`, { cause });
  }
  try {
    return await fn(store);
  } catch (error) {
    // Key errors are already sentences for people; the CLI prints them without the final period.
    if (error instanceof ApiKeyError) throw new CliError(error.message.replace(/\.$/, ""), { cause: error });
    throw error;
  } finally {
    await store.close();
  }
}

/** A PostgreSQL URL without its password, fit for an error message. */
function redactUrl(location: string): string {
  return isPostgresUrl(location) ? location.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@") : location;
}

function keyRow(k: ApiKeyRecord): Record<string, unknown> {
  return {
    id: k.id,
    prefix: `${k.prefix}…`,
    owner: k.owner,
    label: k.label,
    created: formatTime(BigInt(k.createdAt)),
    status: k.revokedAt === null ? "active" : `revoked ${formatTime(BigInt(k.revokedAt))}`,
  };
}

function parseKeyId(text: string): string {
  if (!KEY_ID.test(text)) throw new CliError(`"${text}" is not an API key id (key_ followed by 16 hex digits)`);
  return text;
}

/** `kho relayer …`: run the OpenAI-compatible relayer and manage the API keys it accepts. */
export function registerRelayerCommand(program: Command, ctx: CliContext): void {
  const group = program.command("relayer").description("run the usage relayer and manage its API keys");
  const dbOption = `relayer database (env ${RELAYER_DB_ENV}; default ${DEFAULT_RELAYER_DB})`;

  group
    .command("start")
    .description("start the relayer; --rpc-url and --deployment win over KHO_* variables from the environment and .env")
    .action(async (_options: unknown, command: Command) => {
      // One resolution for every command: flag > environment > .env (already merged into ctx.env) > default.
      const flags = command.optsWithGlobals<GlobalOptions>();
      const given = (value: string | undefined) => (value?.trim() ? value.trim() : undefined);
      const env: NodeJS.ProcessEnv = {
        ...ctx.env,
        [ENV.rpcUrl]: given(flags.rpcUrl) ?? given(ctx.env[ENV.rpcUrl]) ?? DEFAULT_RPC_URL,
      };
      if (given(flags.deployment)) env[ENV.deployment] = path.resolve(ctx.cwd, flags.deployment!.trim());
      let config;
      try {
        config = loadRelayerConfig(env);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        // One line per bad variable, so every problem can be fixed in one go.
        for (const problem of error.problems) ctx.io.stderr(`kho: ${problem}\n`);
        process.exitCode = 1;
        return;
      }
      const relayer = await startRelayer(config, { handleSignals: true });
      ctx.print(() => `Kho relayer listening on ${relayer.url} (Ctrl-C stops it).`, {
        url: relayer.url,
        publicUrl: config.publicUrl,
      });
    });

  const keys = group.command("keys").description("API keys the relayer accepts (stored as hashes only)");

  keys
    .command("create")
    .description("issue an API key; the key itself is printed this once")
    .requiredOption("--owner <address>", "address the key's usage is attributed to")
    .requiredOption("--label <text>", "what the key is for (1 to 100 characters)")
    .option("--db <file>", dbOption)
    .action(async (opts: DbOptions & { owner: string; label: string }) => {
      const owner = parseAddress(opts.owner, "owner");
      const { key, record } = await withStore(ctx, opts, true, (store) =>
        createApiKey(store, { owner, label: opts.label }),
      );
      ctx.progress("This is the only time the key is shown: store it now. The relayer keeps only its hash.");
      ctx.print(() => `Created API key ${record.id} for ${record.owner} (${record.label}):\n${key}`, {
        ...record,
        key,
      });
    });

  keys
    .command("revoke")
    .description("revoke an API key; calls with it are refused from then on")
    .argument("<id>", "key id, as shown by `kho relayer keys list`")
    .option("--db <file>", dbOption)
    .action(async (id: string, opts: DbOptions) => {
      const keyId = parseKeyId(id);
      const record = await withStore(ctx, opts, false, async (store) => {
        if ((await store.apiKeys.get(keyId)) === null) throw new CliError(`there is no API key ${keyId}`);
        return revokeApiKey(store, keyId);
      });
      ctx.print(() => `Revoked API key ${record.id} (${record.label}, owner ${record.owner}).`, record);
    });

  keys
    .command("list")
    .description("list API keys (revoked ones included); never shows the keys themselves")
    .option("--owner <address>", "only this owner's keys")
    .option("--db <file>", dbOption)
    .action(async (opts: DbOptions & { owner?: string }) => {
      const owner = opts.owner === undefined ? undefined : parseAddress(opts.owner, "owner");
      const list = await withStore(ctx, opts, false, (store) => listApiKeys(store, { owner }));
      ctx.print(() => renderTable(list.map(keyRow)), list);
    });
}
