/** The relayer answered with an error (`{ error: { code, message } }`) or with a body the SDK cannot read. */
export class RelayerRequestError extends Error {
  override name = "RelayerRequestError";
  constructor(
    message: string,
    /** HTTP status, or 0 when the relayer could not be reached. */
    readonly status: number,
    /** The relayer's stable error code (e.g. `model_not_found`), when it sent one. */
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
