import { KhoError } from "../../protocol/errors";

/** The `type` field of an OpenAI error body. */
export type OpenAiErrorKind = "invalid_request_error" | "server_error";

/** The JSON body of every error response, in the shape OpenAI clients parse. */
export type OpenAiErrorBody = {
  error: { message: string; type: OpenAiErrorKind; param: string | null; code: string };
};

/** An error that becomes an HTTP response; `message` is shown to the client, so it must be safe to show. */
export class HttpError extends KhoError {
  override name = "HttpError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly param: string | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toBody(): OpenAiErrorBody {
    return {
      error: {
        message: this.message,
        type: this.status >= 500 ? "server_error" : "invalid_request_error",
        param: this.param,
        code: this.code,
      },
    };
  }
}

/** Fields body-parser puts on the errors it raises (http-errors instances). */
type BodyParserError = { type?: unknown; status?: unknown; expose?: unknown };

/**
 * Maps anything thrown inside a request to an HttpError. Body-parser errors keep their status;
 * everything unexpected becomes a 500 whose message reveals nothing about the server.
 */
export function toHttpError(error: unknown, bodyLimit: string): HttpError {
  if (error instanceof HttpError) return error;
  const e = (typeof error === "object" && error !== null ? error : {}) as BodyParserError;
  switch (e.type) {
    case "entity.too.large":
      return new HttpError(413, "request_too_large", `The request body is larger than the ${bodyLimit} limit.`);
    case "entity.parse.failed":
      return new HttpError(400, "invalid_json", "The request body is not valid JSON.");
    case "encoding.unsupported":
      return new HttpError(415, "unsupported_content_encoding", "The request's Content-Encoding is not supported.");
    case "charset.unsupported":
      return new HttpError(415, "unsupported_charset", "The request body must be UTF-8 encoded JSON.");
    default:
      if (typeof e.status === "number" && e.status >= 400 && e.status < 500) {
        return new HttpError(e.status, "invalid_request", "The request could not be read.");
      }
      return new HttpError(500, "internal_error", "The model server failed to handle the request.", null, {
        cause: error,
      });
  }
}
