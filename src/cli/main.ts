import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { Command } from "commander";
import dotenv from "dotenv";
import { registerCommunitiesCommand } from "./commands/communities";
import { registerDatasetsCommand } from "./commands/datasets";
import { registerModelsCommand } from "./commands/models";
import { registerTokenCommand } from "./commands/token";
import { type CliContext, type CliIo, DEFAULT_RPC_URL, ENV, type GlobalOptions, createCliContext } from "./context";
import { commanderExitCode, formatCliError } from "./errors";

/**
 * Adds one command group (`kho <group> …`) to the program. Each group lives in its own file under
 * commands/ and gets the shared context, which resolves network, key and deployment lazily, so a
 * group only pays for what its commands use. To add a group, write `registerXCommand` and list it
 * in COMMAND_GROUPS.
 */
export type RegisterCommand = (program: Command, ctx: CliContext) => void;

export const COMMAND_GROUPS: readonly RegisterCommand[] = [
  registerCommunitiesCommand,
  registerDatasetsCommand,
  registerModelsCommand,
  registerTokenCommand,
];

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
  groups?: readonly RegisterCommand[];
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
  for (const register of parameters.groups ?? COMMAND_GROUPS) register(program, ctx);
  return { program, ctx };
}

export type MainOptions = Partial<Omit<BuildProgramParameters, "groups">>;

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

  const { program, ctx } = buildProgram({ io, env, cwd });
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
    io.stderr(`kho: ${formatCliError(error, { rpcUrl })}\n`);
    process.exitCode = 1;
  }
}
