import type { ErrorRequestHandler, RequestHandler } from "express";
import type { Logger } from "pino";
import { RelayerError, errorBody } from "../errors";
import { isStoreBusy } from "../store/errors";

type BodyParserError = Error & { type?: string; status?: number; expose?: boolean };

function isBodyParserError(error: unknown): error is BodyParserError {
  return error instanceof Error && typeof (error as BodyParserError).type === "string";
}

/** Maps body-parser failures to the relayer's stable codes. */
function fromBodyParser(error: BodyParserError, maxBodyBytes: number): RelayerError {
  switch (error.type) {
    case "entity.too.large":
      return new RelayerError("payload_too_large", `The request body is larger than ${maxBodyBytes} bytes.`);
    case "entity.parse.failed":
      return new RelayerError("invalid_request", "The request body is not valid JSON.");
    case "charset.unsupported":
    case "encoding.unsupported":
      return new RelayerError(
        "unsupported_media_type",
        "The request body must be UTF-8 JSON without content encoding.",
      );
    case "request.aborted":
      return new RelayerError("invalid_request", "The request was aborted before its body arrived.");
    case "request.size.invalid":
      return new RelayerError("invalid_request", "The request body length does not match Content-Length.");
    default:
      return new RelayerError("invalid_request", "The request body could not be read.");
  }
}

/**
 * Errors raised while reading a body that body-parser did not classify: a decompression stream
 * failing (`Content-Encoding: gzip` over bytes that are not gzip) arrives as an http-errors 4xx
 * wrapping the zlib error.
 */
function fromClientHttpError(error: unknown): RelayerError | null {
  if (!(error instanceof Error)) return null;
  const status = (error as { status?: unknown }).status;
  if (typeof status !== "number" || status < 400 || status > 499) return null;
  if (status === 413) return new RelayerError("payload_too_large", "The request body is too large.");
  if (status === 415)
    return new RelayerError("unsupported_media_type", "The request body's encoding is not supported.");
  return new RelayerError("invalid_request", "The request body could not be decoded as its Content-Encoding says.");
}

/**
 * SQLite answers BUSY/LOCKED when another connection holds the write lock past the short
 * busy_timeout (store/sqlite/database.ts), PostgreSQL a deadlock, a restart or no free connection:
 * the client is told to retry instead of the event loop waiting (isStoreBusy).
 */
function fromStoreBusy(error: unknown): RelayerError | null {
  if (!isStoreBusy(error)) return null;
  return new RelayerError("store_busy", "The relayer's receipt store is busy; retry in a moment.", {
    cause: error,
    retryAfterSeconds: 1,
  });
}

/** Last middleware: every error becomes `{ error: { code, message } }`, never a stack trace. */
export function errorHandler(logger: Logger, maxBodyBytes: number): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const relayerError =
      error instanceof RelayerError
        ? error
        : isBodyParserError(error)
          ? fromBodyParser(error, maxBodyBytes)
          : (fromStoreBusy(error) ??
            fromClientHttpError(error) ??
            new RelayerError("internal_error", "The relayer failed to handle the request.", { cause: error }));

    const log = (req as { log?: Logger }).log ?? logger;
    if (relayerError.code === "internal_error")
      log.error({ err: error, code: relayerError.code }, relayerError.message);
    else if (relayerError.status >= 500) log.warn({ err: error, code: relayerError.code }, relayerError.message);
    else log.debug({ code: relayerError.code }, relayerError.message);
    if (relayerError.retryAfterSeconds !== null) res.setHeader("Retry-After", String(relayerError.retryAfterSeconds));
    res.status(relayerError.status).json(relayerError.toBody());
  };
}

export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json(errorBody("not_found", `There is no route ${req.method} ${req.path}.`));
};

/** Rejects request bodies that are not JSON before any parsing happens. */
export const requireJsonContentType: RequestHandler = (req, _res, next) => {
  if (!req.is("application/json")) {
    next(
      new RelayerError("unsupported_media_type", "The request body must be sent as Content-Type: application/json."),
    );
    return;
  }
  next();
};
