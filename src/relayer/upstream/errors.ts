import { KhoError, type KhoErrorOptions } from "../../protocol/errors";
import type { IpBlockReason } from "./ip-policy";

export type UpstreamErrorCode =
  | "upstream_invalid_request"
  | "upstream_invalid_endpoint"
  | "upstream_blocked"
  | "upstream_timeout"
  | "upstream_aborted"
  | "upstream_response_too_large"
  | "upstream_http_error"
  | "upstream_redirect"
  | "upstream_invalid_response"
  | "upstream_connection_error";

type UpstreamErrorOptions = KhoErrorOptions;

/**
 * Base of every error the upstream client throws. `code` is stable and safe to show to API clients;
 * `message` and the subclass fields may carry upstream- or DNS-controlled text (addresses, Location
 * headers), so callers should answer their own clients from `code` and keep the rest for logs.
 */
export abstract class UpstreamError extends KhoError {
  abstract override readonly code: UpstreamErrorCode;
}

/** The caller passed parameters the client cannot use (bad body, headers, limits). */
export class UpstreamInvalidRequestError extends UpstreamError {
  override readonly name = "UpstreamInvalidRequestError";
  readonly code = "upstream_invalid_request";
}

/** The registered endpoint is not a usable http(s) base URL. */
export class UpstreamInvalidEndpointError extends UpstreamError {
  override readonly name = "UpstreamInvalidEndpointError";
  readonly code = "upstream_invalid_endpoint";
  readonly endpoint: string;

  constructor(endpoint: string, shortMessage: string, options: UpstreamErrorOptions = {}) {
    super(shortMessage, options);
    this.endpoint = endpoint;
  }
}

/** The endpoint's host or one of its resolved addresses is in a range the relayer must not reach. */
export class UpstreamBlockedError extends UpstreamError {
  override readonly name = "UpstreamBlockedError";
  readonly code = "upstream_blocked";
  readonly reason: IpBlockReason;
  readonly hostname: string;
  readonly address: string | undefined;

  constructor(
    params: { hostname: string; address?: string; reason: IpBlockReason },
    options: UpstreamErrorOptions = {},
  ) {
    const target =
      params.address && params.address !== params.hostname ? `${params.hostname} (${params.address})` : params.hostname;
    super(`Upstream host ${target} is blocked: ${params.reason} address.`, options);
    this.reason = params.reason;
    this.hostname = params.hostname;
    this.address = params.address;
  }
}

/** Resolution, connection and response together took longer than the configured budget. */
export class UpstreamTimeoutError extends UpstreamError {
  override readonly name = "UpstreamTimeoutError";
  readonly code = "upstream_timeout";
  readonly timeoutMs: number;

  constructor(timeoutMs: number, options: UpstreamErrorOptions = {}) {
    super(`Upstream did not answer within ${timeoutMs} ms.`, options);
    this.timeoutMs = timeoutMs;
  }
}

/** The caller's signal aborted the call (e.g. its own client went away) before the upstream answered. */
export class UpstreamAbortedError extends UpstreamError {
  override readonly name = "UpstreamAbortedError";
  readonly code = "upstream_aborted";

  constructor(options: UpstreamErrorOptions = {}) {
    super("The upstream call was aborted by the caller.", options);
  }
}

/** The response body (declared or streamed) exceeded the configured byte cap. */
export class UpstreamResponseTooLargeError extends UpstreamError {
  override readonly name = "UpstreamResponseTooLargeError";
  readonly code = "upstream_response_too_large";
  readonly maxResponseBytes: number;

  constructor(maxResponseBytes: number, options: UpstreamErrorOptions = {}) {
    super(`Upstream response exceeded ${maxResponseBytes} bytes.`, options);
    this.maxResponseBytes = maxResponseBytes;
  }
}

/** The upstream answered with a non-2xx, non-3xx status. */
export class UpstreamHttpError extends UpstreamError {
  override readonly name = "UpstreamHttpError";
  readonly code = "upstream_http_error";
  readonly status: number;

  constructor(status: number, options: UpstreamErrorOptions = {}) {
    super(`Upstream answered with HTTP status ${status}.`, options);
    this.status = status;
  }
}

/** The upstream answered with a redirect; redirects are never followed (they could point anywhere). */
export class UpstreamRedirectError extends UpstreamError {
  override readonly name = "UpstreamRedirectError";
  readonly code = "upstream_redirect";
  readonly status: number;
  readonly location: string | undefined;

  constructor(status: number, location: string | undefined, options: UpstreamErrorOptions = {}) {
    super(`Upstream answered with redirect status ${status}; redirects are not followed.`, options);
    this.status = status;
    this.location = location;
  }
}

/** The upstream's 2xx answer is not a JSON chat.completion. */
export class UpstreamInvalidResponseError extends UpstreamError {
  override readonly name = "UpstreamInvalidResponseError";
  readonly code = "upstream_invalid_response";
}

/** Name resolution failed, the connection could not be made, or it broke mid-response. */
export class UpstreamConnectionError extends UpstreamError {
  override readonly name = "UpstreamConnectionError";
  readonly code = "upstream_connection_error";
}
