import type { Command } from "commander";
import path from "node:path";
import { z } from "zod";
import { demoClock, demoNetworkParameters, playDemoEpoch } from "../../devnet/demo/play-demo";
import { startDevNetwork } from "../../devnet/dev-network";
import { startWebServer } from "../../devnet/web-server";
import { LOCAL_MODEL_NAME } from "../../devnet/seed";
import type { CliContext } from "../context";
import { DEFAULT_RPC_URL } from "../context";
import { CliError } from "../errors";

const portSchema = z.coerce.number().int().min(0).max(65535);

function parsePort(value: string, flag: string): number {
  const parsed = portSchema.safeParse(value);
  if (!parsed.success) throw new CliError(`${flag} must be a port number from 0 to 65535, got "${value}"`);
  return parsed.data;
}

const DURATION_UNITS: Record<string, bigint> = { s: 1n, m: 60n, h: 3600n, d: 86_400n };
/** Shorter epochs leave no room for the relayer's 5-second batches to land in the epoch they belong to. */
const MIN_EPOCH_SECONDS = 60n;

/** `1h`, `30m`, `7d`, `90s` or plain seconds, as whole seconds. */
function parseDuration(value: string, flag: string): bigint {
  const match = /^(\d+)([smhd]?)$/.exec(value.trim());
  if (!match) throw new CliError(`${flag} must be a duration such as 1h, 30m, 7d or 3600 (seconds), got "${value}"`);
  const seconds = BigInt(match[1]!) * DURATION_UNITS[match[2] || "s"]!;
  if (seconds < MIN_EPOCH_SECONDS)
    throw new CliError(`${flag} must be at least ${MIN_EPOCH_SECONDS} seconds, got "${value}"`);
  return seconds;
}

/** `3600` → `1h`, `5400` → `90m`: the largest unit that divides the duration. */
function formatDuration(seconds: bigint): string {
  for (const [unit, size] of [
    ["d", 86_400n],
    ["h", 3600n],
    ["m", 60n],
  ] as const) {
    if (seconds % size === 0n) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

type DevOptions = {
  chainPort: string;
  relayerPort: string;
  modelPorts: string;
  webPort: string;
  epochLength?: string;
  playDemo?: boolean;
};

/** `kho dev`: a whole local Kho network that a curl can use, until Ctrl-C. */
export function registerDevCommand(program: Command, ctx: CliContext): void {
  program
    .command("dev")
    .description("run a local Kho network: chain, contracts, seeded community, two model servers and a relayer")
    .option("--chain-port <port>", "JSON-RPC port on 127.0.0.1", "8545")
    .option("--relayer-port <port>", "relayer port on 127.0.0.1", "8787")
    .option("--model-ports <local,generic>", "ports of the local and generic model servers", "8001,8002")
    .option("--web-port <port>", "port of the web page on 127.0.0.1", "5173")
    .option(
      "--epoch-length <duration>",
      "reward epoch length such as 1h, 30m, 7d or seconds (default 7d); batch grace, settlement window and timelock shrink to fit",
    )
    .option(
      "--play-demo",
      "before serving, play the demo's community week through the relayer and close epoch 0 (7-day epochs): rewards computed, root published and accepted, ready to claim",
    )
    .action(async (options: DevOptions) => {
      if (options.playDemo && options.epochLength !== undefined)
        throw new CliError("--play-demo plays the demo's 7-day epoch, so it cannot be combined with --epoch-length");
      const epochLength =
        options.epochLength === undefined ? undefined : parseDuration(options.epochLength, "--epoch-length");
      const chainPort = parsePort(options.chainPort, "--chain-port");
      const relayerPort = parsePort(options.relayerPort, "--relayer-port");
      const webPort = parsePort(options.webPort, "--web-port");
      const modelPorts = options.modelPorts.split(",");
      if (modelPorts.length !== 2) throw new CliError(`--model-ports takes two ports such as 8001,8002`);
      // The demo moves the chain's clock a week ahead; the relayer follows it (see demoClock).
      const clock = options.playDemo ? demoClock(BigInt(Math.floor(Date.now() / 1000))) : undefined;
      const network = await startDevNetwork({
        ...(clock ? demoNetworkParameters(clock) : {}),
        chainPort,
        relayerPort,
        modelPorts: [parsePort(modelPorts[0]!, "--model-ports"), parsePort(modelPorts[1]!, "--model-ports")],
        epochLength,
        writeDeploymentTo: ctx.cwd,
        relayerLogLevel: "info",
        progress: (message) => ctx.progress(message),
      });
      const epochsDir = path.resolve(ctx.cwd, "epochs");
      const web = await (async () => {
        if (clock) {
          ctx.io.stdout("Playing the demo epoch on this network:\n");
          await playDemoEpoch(network, {
            clock,
            epochsDir,
            out: (text) => ctx.io.stdout(`${text}\n`),
            progress: (message) => ctx.progress(message),
          });
        }
        return startWebServer({ network, epochsDir, port: webPort });
      })().catch(async (error: unknown) => {
        await network.close();
        throw error;
      });
      const key = network.apiKeys.appDeveloper;
      const rpcUrl = network.chain.rpcUrl;
      // `kho` commands default to this RPC URL; any other port must be passed on every command.
      const kho = rpcUrl === DEFAULT_RPC_URL ? "kho" : `kho --rpc-url ${rpcUrl}`;
      const dbFile = path.join(network.dataDir, "relayer.sqlite");
      const { roles } = network;
      const account = (label: string, a: { address: string }) =>
        `  ${label.padEnd(30)} ${a.address}  (Hardhat account #${network.chain.accounts.findIndex((c) => c.address === a.address)})`;
      const epoch = network.deployment.epoch;
      const lines = [
        "",
        "Kho is running locally:",
        `  chain (JSON-RPC)   ${rpcUrl}   chain id ${network.chain.chainId}`,
        `  deployment file    deployments/${network.chain.chainId}.json`,
        `  relayer            ${network.relayer.url}/v1  (OpenAI-compatible)`,
        `  relayer database   ${dbFile}  (removed on stop)`,
        `  local model        ${network.localModel.url}  (${LOCAL_MODEL_NAME}, vi-VN home cooking)`,
        `  generic model      ${network.genericModel.url}  (generic-chef, 5 deployments)`,
        `  web page           ${web.url}/  (communities, models, staking, rewards; build it with npm run build:web)`,
        `  reward epochs      ${formatDuration(epoch.length)} each from ${new Date(Number(epoch.genesis) * 1000).toISOString()}  (batch grace ${formatDuration(epoch.batchGracePeriod)})`,
        ...(clock
          ? [
              `  demo epoch 0       played and its root accepted: every payee can claim on ${web.url}/#/rewards or with \`${kho} rewards claim --private-key <key>\``,
            ]
          : []),
        "",
        "Dev accounts (Hardhat's well-known keys: never use them on a real chain):",
        account("deployer, governor, poster", roles.deployer),
        account("relayer", roles.relayer),
        account("steward", roles.steward),
        account("local builder", roles.localBuilder),
        account("generic builder", roles.genericBuilder),
        account("local operator", roles.localOperator),
        ...roles.genericOperators.map((o, i) => account(`generic operator ${i + 1}`, o)),
        account("early staker", roles.earlyStaker),
        account("late staker", roles.lateStaker),
        account("app developer", roles.appDeveloper),
        `  community members              ${network.members.length} keyless wallets derived from "kho-demo-member-<n>"`,
        "",
        `API key (app developer): ${key}`,
        "",
        "Try it:",
        `  curl -s ${network.relayer.url}/v1/chat/completions \\`,
        `    -H "Authorization: Bearer ${key}" -H "Content-Type: application/json" \\`,
        `    -d '{"model":"${LOCAL_MODEL_NAME}","messages":[{"role":"user","content":"Tôi nấu cá kho thế nào?"}],"user":"an"}'`,
        "",
        `CLI against this network:  ${kho} models list   (add --json for scripts)`,
        `Another API key:           kho relayer keys create --db ${dbFile} --owner ${roles.appDeveloper.address} --label "my app"`,
        "Press Ctrl-C to stop.",
      ];
      ctx.io.stdout(`${lines.join("\n")}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      ctx.progress("shutting down");
      // A second Ctrl-C while closing means "now": nothing left to lose on a throwaway network.
      const force = () => process.exit(130);
      process.once("SIGINT", force);
      process.once("SIGTERM", force);
      await web.close();
      await network.close();
      ctx.progress("stopped");
    });
}
