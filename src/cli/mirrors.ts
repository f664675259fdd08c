import type { Command } from "commander";
import type { Hex } from "viem";
import { type Mirror, parseMirrorList, putMirrorObject } from "../protocol/mirror";
import { type CliContext, ENV } from "./context";
import { CliError } from "./errors";

export type MirrorOptions = { mirror?: string[] };

const sentence = (cause: unknown) => (cause instanceof Error ? cause.message.replace(/\.$/, "") : String(cause));

/** `--mirror` flags when any are given, else KHO_MIRRORS; each spec is dir:<path> or an http(s):// base URL. */
export function mirrorsOf(ctx: CliContext, options: MirrorOptions): Mirror[] {
  const specs =
    options.mirror !== undefined && options.mirror.length > 0 ? options.mirror : [ctx.env[ENV.mirrors] ?? ""];
  try {
    return parseMirrorList(specs, ctx.cwd);
  } catch (cause) {
    throw new CliError(sentence(cause), { cause });
  }
}

export function addMirrorOption(command: Command, what: string): Command {
  return command.option(
    "--mirror <spec>",
    `${what} (dir:<path> or an http(s):// base URL; repeat for several, tried in order; default KHO_MIRRORS)`,
    (value: string, previous: string[] = []) => [...previous, value],
  );
}

/**
 * Stores `bytes` as `name` on every mirror before anything goes on chain: what the chain will
 * commit to must already be fetchable. The first refusal stops the command with nothing sent.
 */
export async function storeOnMirrors(
  ctx: CliContext,
  mirrors: readonly Mirror[],
  parameters: { name: Hex; bytes: Uint8Array; what: string },
): Promise<void> {
  const { name, bytes, what } = parameters;
  for (const mirror of mirrors) {
    try {
      await putMirrorObject(mirror, name, bytes);
    } catch (cause) {
      throw new CliError(
        `${what} could not be stored on mirror ${mirror.label}, so nothing was published: ${sentence(cause)}`,
        { cause },
      );
    }
    ctx.progress(`stored ${what} on mirror ${mirror.label} as ${name}`);
  }
}
