import type { Command } from "commander";
import { playDemo } from "../../devnet/demo/play-demo";
import type { CliContext } from "../context";

/** `kho demo`: one community epoch end to end on a chain embedded in this process. */
export function registerDemoCommand(program: Command, ctx: CliContext): void {
  program
    .command("demo")
    .description("play one community epoch on an embedded local chain: register, serve, batch, compute, claim")
    .action(async () => {
      await playDemo({ out: (text) => ctx.io.stdout(`${text}\n`), progress: (message) => ctx.progress(message) });
    });
}
