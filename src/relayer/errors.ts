/**
 * Every error the relayer returns to a client, with a stable machine-readable code. Clients branch
 * on `code`; `message` is for people and may change.
 */
export const ErrorCodes = {
  invalid_request: 400,
  streaming_unsupported: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  model_not_found: 404,
  nonce_reused: 409,
  idempotency_in_progress: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_key_reused: 422,
  rate_limited: 429,
  internal_error: 500,
  upstream_error: 502,
  no_deployment: 503,
  upstream_timeout: 504,
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export type ErrorBody = { error: { code: ErrorCode; message: string } };

/** An error that maps to one HTTP response. Anything else becomes a 500 `internal_error`. */
export class RelayerError extends Error {
  override readonly name = "RelayerError";
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.status = ErrorCodes[code];
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}
