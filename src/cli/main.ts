import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { Command } from "commander";
import dotenv from "dotenv";
import { type CliContext, type CliIo, DEFAULT_RPC_URL, ENV, type GlobalOptions, createCliContext } from "./context";
import { commanderExitCode, renderCliError } from "./errors";

/**
 * Adds one command group (`kho <group> …`) to the program. Each group lives in its own file under
 * commands/ and gets the shared context, which resolves network, key and deployment lazily, so a
 * group only pays for what its commands use.
 */
export type RegisterCommand = (program: Command, ctx: CliContext) => void;

/**
 * Every command group, loaded on demand: `kho communities …` imports only the communities group,
 * so the relayer's or the dev chain's dependencies never slow down a registry command. To add a
 * group, write `registerXCommand` in commands/x.ts and add one line here.
 */
export const COMMAND_GROUPS: Readonly<Record<string, () => Promise<RegisterCommand>>> = {
  communities: async () => (await import("./commands/communities")).registerCommunitiesCommand,
  datasets: async () => (await import("./commands/datasets")).registerDatasetsCommand,
  models: async () => (await import("./commands/models")).registerModelsCommand,
  token: async () => (await import("./commands/token")).registerTokenCommand,
  escrow: async () => (await import("./commands/escrow")).registerEscrowCommand,
  relayer: async () => (await import("./commands/relayer")).registerRelayerCommand,
  model: async () => (await import("./commands/model")).registerModelCommand,
  rewards: async () => (await import("./commands/rewards")).registerRewardsCommand,
  dev: async () => (await import("./commands/dev")).registerDevCommand,
  demo: async () => (await import("./commands/demo")).registerDemoCommand,
};

/** Global options that take a value (so the word after them is not the command group). */
const VALUE_OPTIONS = new Set(["--rpc-url", "--deployment", "--private-key"]);

/** The group `argv` asks for, or undefined (help, version, unknown group: then every group loads). */
export function requestedGroup(argv: readonly string[]): string | undefined {
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (VALUE_OPTIONS.has(arg)) i++;
    else if (!arg.startsWith("-")) return Object.hasOwn(COMMAND_GROUPS, arg) ? arg : undefined;
  }
  return undefined;
}

function packageVersion(): string {
  // src/cli (ts-node) and dist/src/cli (built) sit at different depths below package.json.
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (existsSync(file)) return (JSON.parse(readFileSync(file, "utf8")) as { version?: string }).version ?? "0.0.0";
  }
  return "0.0.0";
}

export type BuildProgramParameters = {
  io: CliIo;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The groups to register (all of them by default). */
  groups: readonly RegisterCommand[];
};

/** The `kho` program with its global options and command groups; errors surface as exceptions. */
export function buildProgram(parameters: BuildProgramParameters): { program: Command; ctx: CliContext } {
  const program = new Command("kho");
  const ctx = createCliContext({
    options: () => program.opts<GlobalOptions>(),
    env: parameters.env,
    cwd: parameters.cwd,
    io: parameters.io,
  });
  program
    .description("Kho: registry of localized AI models and community datasets that rewards repeat community usage.")
    .version(packageVersion(), "-V, --version", "print the kho version")
    .option("--rpc-url <url>", `JSON-RPC URL of the chain (env ${ENV.rpcUrl}; default ${DEFAULT_RPC_URL})`)
    .option(
      "--deployment <file>",
      `deployment addresses file (env ${ENV.deployment}; default deployments/<chainId>.json)`,
    )
    .option("--private-key <hex>", `key that signs transactions (env ${ENV.privateKey}); reads need none`)
    .option("--json", "print machine-readable JSON instead of tables")
    .showSuggestionAfterError(true)
    // Settings below are copied to every subcommand created afterwards.
    .exitOverride()
    .configureOutput({
      writeOut: parameters.io.stdout,
      writeErr: parameters.io.stderr,
      outputError: (text, write) => write(text.replace(/^error: /, "kho: ")),
    });
  for (const register of parameters.groups) register(program, ctx);
  return { program, ctx };
}

export type MainOptions = Partial<Omit<BuildProgramParameters, "groups">>;

async function loadGroups(argv: readonly string[]): Promise<RegisterCommand[]> {
  const wanted = requestedGroup(argv);
  const loaders = wanted === undefined ? Object.values(COMMAND_GROUPS) : [COMMAND_GROUPS[wanted]!];
  return Promise.all(loaders.map((load) => load()));
}

/**
 * Runs `kho` with `argv` (`process.argv` shape: node, script, args…). Never throws: a failure is
 * printed as one sentence on stderr and sets `process.exitCode = 1`.
 */
export async function main(argv: string[], options: MainOptions = {}): Promise<void> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const io = options.io ?? {
    stdout: (text: string) => void process.stdout.write(text),
    stderr: (text: string) => void process.stderr.write(text),
  };
  // .env fills in only what the environment does not already set (flags still win over both).
  dotenv.config({ path: path.join(cwd, ".env"), processEnv: env as Record<string, string>, quiet: true });

  let built: ReturnType<typeof buildProgram>;
  try {
    built = buildProgram({ io, env, cwd, groups: await loadGroups(argv) });
  } catch (error) {
    io.stderr(renderCliError(error, { json: argv.includes("--json") }));
    process.exitCode = 1;
    return;
  }
  const { program, ctx } = built;
  try {
    await program.parseAsync(argv);
  } catch (error) {
    const exitCode = commanderExitCode(error);
    if (exitCode !== undefined) {
      // Help, version or a usage error commander already printed in one line.
      if (exitCode !== 0) process.exitCode = exitCode;
      return;
    }
    let rpcUrl: string | undefined;
    try {
      rpcUrl = ctx.rpcUrl();
    } catch {
      rpcUrl = undefined;
    }
    // --json is a global flag; argv is checked too in case parsing failed before options were read.
    const json = program.opts<{ json?: boolean }>().json === true || argv.includes("--json");
    io.stderr(renderCliError(error, { rpcUrl, json }));
    process.exitCode = 1;
  }
}
