import { CommanderError } from "commander";
import { BaseError as ViemBaseError, HttpRequestError } from "viem";
import { ZodError } from "zod";
import { describeZodIssue } from "../protocol/zod-issue";
import { KhoError } from "../protocol/errors";
import { KhoDataUriError } from "../sdk/errors";

/** A failure the CLI reports as-is: its message is already the one sentence the user sees. */
export class CliError extends KhoError {
  override name = "CliError";
  readonly code = "cli_failed";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null && chain.length < 20) {
    chain.push(current);
    current = current instanceof Error ? current.cause : undefined;
  }
  return chain;
}

const CONNECTION_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EHOSTUNREACH", "ETIMEDOUT", "EAI_AGAIN"]);

/** The URL of the chain a request failed to reach, when the failure is a connection failure. */
function unreachableUrl(error: unknown): string | undefined {
  for (const e of causes(error)) {
    if (e instanceof HttpRequestError) return e.url;
    // viem walks its own errors with `.walk`; the HttpRequestError may sit under a non-Error cause chain.
    if (e instanceof Error && "walk" in e && typeof e.walk === "function") {
      const found: unknown = (e.walk as (fn: (err: unknown) => boolean) => unknown)(
        (inner) => inner instanceof HttpRequestError,
      );
      if (found instanceof HttpRequestError) return found.url;
    }
  }
  return undefined;
}

function isConnectionFailure(error: unknown): boolean {
  const chain = causes(error);
  // A batch file or reward tree that could not be fetched is a data source's failure, not the chain's.
  if (chain.some((e) => e instanceof KhoDataUriError)) return false;
  return chain.some((e) => {
    const code = (e as { code?: unknown }).code;
    return typeof code === "string" && CONNECTION_CODES.has(code);
  });
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

/**
 * The one sentence printed for a failure. Errors from the SDK (input, not-found, revert, missing
 * key), the deployment loader and the CLI itself already carry a user-facing message; transport
 * failures become "cannot reach the chain at <url>"; anything else keeps its first line.
 */
export function formatCliError(error: unknown, context: { rpcUrl?: string } = {}): string {
  if (error instanceof CliError) return oneLine(error.message);
  const url = unreachableUrl(error);
  if (url !== undefined) return `cannot reach the chain at ${context.rpcUrl ?? url}`;
  if (error instanceof ZodError) return oneLine(describeZodIssue(error));
  if (isConnectionFailure(error) && context.rpcUrl !== undefined) return `cannot reach the chain at ${context.rpcUrl}`;
  // Project errors carry their sentence in shortMessage; details and causes stay out of the one line.
  if (error instanceof KhoError) return oneLine(firstLine(error.shortMessage) ?? error.name);
  if (error instanceof Error) return oneLine(firstLine(error.message) ?? error.name);
  return oneLine(String(error));
}

function firstLine(text: string): string | undefined {
  return text.split("\n").find((l) => l.trim() !== "");
}

/** The stable code printed with a `--json` error: the project error's own code, else what kind of failure it was. */
export function cliErrorCode(error: unknown): string {
  if (unreachableUrl(error) !== undefined || isConnectionFailure(error)) return "chain_unreachable";
  if (error instanceof KhoError) return error.code;
  if (error instanceof ZodError) return "invalid_input";
  if (error instanceof ViemBaseError) return "chain_request_failed";
  return "internal_error";
}

/** How a failure is printed on stderr: one sentence, or `{"error":{"code","message"}}` under `--json`. */
export function renderCliError(error: unknown, context: { rpcUrl?: string; json: boolean }): string {
  const message = formatCliError(error, context);
  if (!context.json) return `kho: ${message}\n`;
  return `${JSON.stringify({ error: { code: cliErrorCode(error), message } })}\n`;
}

/** Commander already printed its own one-line usage error; this tells main() the exit code. */
export function commanderExitCode(error: unknown): number | undefined {
  return error instanceof CommanderError ? error.exitCode : undefined;
}
