/**
 * The one error base of the project, modelled on viem's `BaseError`. It lives in src/protocol
 * because protocol is the bottom layer: every other module (sdk, relayer, rewards, model-server,
 * deploy, devnet, cli) may import it, so every project error can extend it.
 *
 * - `code`: stable, machine-readable (`snake_case`); callers branch on it or on the class.
 * - `shortMessage`: one sentence for people.
 * - `details`: optional extra text (appended to `message` as "Details: …").
 * - `cause`: the underlying error, walked by `walk()`.
 */
export type KhoErrorOptions = { cause?: unknown; details?: string };

export abstract class KhoError extends Error {
  abstract readonly code: string;
  readonly shortMessage: string;
  readonly details: string | undefined;

  constructor(shortMessage: string, options: KhoErrorOptions = {}) {
    super(options.details ? `${shortMessage}\n\nDetails: ${options.details}` : shortMessage, {
      cause: options.cause,
    });
    this.shortMessage = shortMessage;
    this.details = options.details;
  }

  /**
   * Follows `cause` from this error: without `fn`, returns the deepest cause; with `fn`, the first
   * error in the chain (this one included) for which `fn` is true, or null.
   */
  walk(fn?: (error: unknown) => boolean): unknown {
    return walkCauses(this, fn);
  }
}

/** `walk()` for any thrown value, so a chain that passes through foreign errors is still followed. */
export function walkCauses(error: unknown, fn?: (error: unknown) => boolean): unknown {
  let current: unknown = error;
  // Bounded: a cause cycle must not hang error reporting.
  for (let depth = 0; depth < 32; depth++) {
    if (fn?.(current)) return current;
    const next = current instanceof Error ? current.cause : undefined;
    if (next === undefined || next === null) return fn ? null : current;
    current = next;
  }
  return fn ? null : current;
}
