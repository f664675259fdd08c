import type { Command } from "commander";
import { DEFAULT_MODEL_SERVER_PORT, serveModelCommand } from "../../model-server/serve";
import type { CliContext } from "../context";

/** `kho model serve`: the offline retrieval model over a community dataset, OpenAI-compatible. */
export function registerModelCommand(program: Command, ctx: CliContext): void {
  const group = program.command("model").description("run a model backend that works offline");
  group
    .command("serve")
    .description("serve an OpenAI-compatible chat model backed by retrieval over a dataset file")
    .requiredOption("--dataset <file>", "community dataset JSON (see datasets/README.md)")
    .option("--port <port>", "port to listen on", String(DEFAULT_MODEL_SERVER_PORT))
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--model <name>", "model name to answer as (default: kho-<dataset id>)")
    .option(
      "--content-hash <hash>",
      "serve only this dataset version: the content hash the model's on-chain link pins (refuses any other file)",
    )
    .action(async (options: { dataset: string; port: string; host: string; model?: string; contentHash?: string }) => {
      const server = await serveModelCommand(options, {
        log: (line) => ctx.io.stdout(`${line}\n`),
        signals: process,
      });
      await server.closed;
    });
}
