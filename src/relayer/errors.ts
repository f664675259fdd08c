import { KhoError } from "../protocol/errors";
import { UpstreamError } from "./upstream/errors";

/**
 * Every error the relayer returns to a client, with a stable machine-readable code. Clients branch
 * on `code`; `message` is for people and may change.
 */
export const ErrorCodes = {
  invalid_request: 400,
  unauthorized: 401,
  insufficient_balance: 402,
  max_fee_too_low: 402,
  forbidden: 403,
  not_found: 404,
  model_not_found: 404,
  nonce_reused: 409,
  idempotency_in_progress: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_key_reused: 422,
  rate_limited: 429,
  client_closed_request: 499,
  internal_error: 500,
  upstream_error: 502,
  no_deployment: 503,
  chain_unavailable: 503,
  store_busy: 503,
  escrow_unavailable: 503,
  upstream_timeout: 504,
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

/** OpenAI's error envelope, which every OpenAI client parses into a typed error (the model server sends the same). */
export type ErrorBody = {
  error: { message: string; type: "invalid_request_error" | "server_error"; param: string | null; code: ErrorCode };
};

/** An error that maps to one HTTP response. Anything else becomes a 500 `internal_error`. */
export class RelayerError extends KhoError {
  override readonly name = "RelayerError";
  readonly code: ErrorCode;
  readonly status: number;
  /** Seconds a client should wait before retrying (sent as Retry-After); null when retrying soon will not help. */
  readonly retryAfterSeconds: number | null;
  /** The request field the error is about (OpenAI's `param`), when there is one. */
  readonly param: string | null;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; retryAfterSeconds?: number; param?: string },
  ) {
    super(message, options);
    this.code = code;
    this.status = ErrorCodes[code];
    this.retryAfterSeconds = options?.retryAfterSeconds ?? null;
    this.param = options?.param ?? null;
  }

  toBody(): ErrorBody {
    return errorBody(this.code, this.message, this.param);
  }
}

export function errorBody(code: ErrorCode, message: string, param: string | null = null): ErrorBody {
  return { error: { message, type: ErrorCodes[code] >= 500 ? "server_error" : "invalid_request_error", param, code } };
}

/**
 * The client-facing error for a failed upstream call. Only the upstream error's stable code goes
 * into the message: its own message, details and fields may carry DNS- or upstream-controlled text
 * (resolved addresses, Location headers, response snippets), which stays in the logs via `cause`.
 */
export function relayerErrorFromUpstream(error: unknown): RelayerError {
  if (!(error instanceof UpstreamError)) {
    return new RelayerError("upstream_error", "The model deployment failed.", { cause: error });
  }
  switch (error.code) {
    case "upstream_timeout":
      return new RelayerError("upstream_timeout", "The model deployment did not answer in time.", { cause: error });
    case "upstream_aborted":
      // Nobody reads this answer (the client left); it still names the outcome in logs and metrics.
      return new RelayerError("client_closed_request", "The client closed the request before it was answered.", {
        cause: error,
      });
    case "upstream_invalid_request":
      // The relayer built the upstream call: a rejected one is the relayer's fault, not the deployment's.
      return new RelayerError("internal_error", "The relayer failed to call the model deployment.", { cause: error });
    case "upstream_invalid_endpoint":
    case "upstream_blocked":
      return new RelayerError(
        "upstream_error",
        `The model deployment's registered endpoint cannot be used (${error.code}).`,
        { cause: error },
      );
    default:
      return new RelayerError("upstream_error", `The model deployment failed (${error.code}).`, { cause: error });
  }
}
