import { KhoError } from "../../protocol/errors";

/** The relayer answered with an error (`{ error: { code, message } }`) or with a body the SDK cannot read. */
export class RelayerRequestError extends KhoError {
  override name = "RelayerRequestError";
  /** The relayer's stable error code (e.g. `model_not_found`); `relayer_unreachable` or `relayer_bad_response` when it sent none. */
  readonly code: string;
  constructor(
    message: string,
    /** HTTP status, or 0 when the relayer could not be reached. */
    readonly status: number,
    code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = code ?? (status === 0 ? "relayer_unreachable" : "relayer_bad_response");
  }
}
