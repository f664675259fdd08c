import type { Command } from "commander";
import path from "node:path";
import { z } from "zod";
import { startDevNetwork } from "../../devnet/dev-network";
import { startWebServer } from "../../devnet/web-server";
import { LOCAL_MODEL_NAME } from "../../devnet/seed";
import type { CliContext } from "../context";
import { CliError } from "../errors";

const portSchema = z.coerce.number().int().min(0).max(65535);

function parsePort(value: string, flag: string): number {
  const parsed = portSchema.safeParse(value);
  if (!parsed.success) throw new CliError(`${flag} must be a port number from 0 to 65535, got "${value}"`);
  return parsed.data;
}

type DevOptions = { chainPort: string; relayerPort: string; modelPorts: string; webPort: string };

/** `kho dev`: a whole local Kho network that a curl can use, until Ctrl-C. */
export function registerDevCommand(program: Command, ctx: CliContext): void {
  program
    .command("dev")
    .description("run a local Kho network: chain, contracts, seeded community, two model servers and a relayer")
    .option("--chain-port <port>", "JSON-RPC port on 127.0.0.1", "8545")
    .option("--relayer-port <port>", "relayer port on 127.0.0.1", "8787")
    .option("--model-ports <local,generic>", "ports of the local and generic model servers", "8001,8002")
    .option("--web-port <port>", "port of the web page on 127.0.0.1", "5173")
    .action(async (options: DevOptions) => {
      const chainPort = parsePort(options.chainPort, "--chain-port");
      const relayerPort = parsePort(options.relayerPort, "--relayer-port");
      const webPort = parsePort(options.webPort, "--web-port");
      const modelPorts = options.modelPorts.split(",");
      if (modelPorts.length !== 2) throw new CliError(`--model-ports takes two ports such as 8001,8002`);
      const network = await startDevNetwork({
        chainPort,
        relayerPort,
        modelPorts: [parsePort(modelPorts[0]!, "--model-ports"), parsePort(modelPorts[1]!, "--model-ports")],
        writeDeploymentTo: ctx.cwd,
        relayerLogLevel: "info",
        progress: (message) => ctx.progress(message),
      });
      const web = await startWebServer({ network, epochsDir: path.resolve(ctx.cwd, "epochs"), port: webPort }).catch(
        async (error: unknown) => {
          await network.close();
          throw error;
        },
      );
      const key = network.apiKeys.appDeveloper;
      const lines = [
        "",
        "Kho is running locally:",
        `  chain (JSON-RPC)   ${network.chain.rpcUrl}   chain id ${network.chain.chainId}`,
        `  deployment file    deployments/${network.chain.chainId}.json`,
        `  relayer            ${network.relayer.url}/v1  (OpenAI-compatible)`,
        `  local model        ${network.localModel.url}  (${LOCAL_MODEL_NAME}, vi-VN home cooking)`,
        `  generic model      ${network.genericModel.url}  (generic-chef, 5 deployments)`,
        `  web page           ${web.url}/  (communities, models, staking, rewards; build it with npm run build:web)`,
        "",
        `API key (app developer): ${key}`,
        "",
        "Try it:",
        `  curl -s ${network.relayer.url}/v1/chat/completions \\`,
        `    -H "Authorization: Bearer ${key}" -H "Content-Type: application/json" \\`,
        `    -d '{"model":"${LOCAL_MODEL_NAME}","messages":[{"role":"user","content":"Tôi nấu cá kho thế nào?"}],"user":"an"}'`,
        "",
        "CLI against this network:  kho models list   (add --json for scripts)",
        "Press Ctrl-C to stop.",
      ];
      ctx.io.stdout(`${lines.join("\n")}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      ctx.progress("shutting down");
      await web.close();
      await network.close();
      ctx.progress("stopped");
    });
}
