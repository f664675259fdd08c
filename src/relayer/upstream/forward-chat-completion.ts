import { type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, request as httpRequest } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { performance } from "node:perf_hooks";
import { type ChatCompletion, chatCompletionSchema } from "./chat-completion-schema";
import {
  defaultEndpointPolicy,
  type EndpointPolicy,
  validateEndpoint,
  type ValidatedEndpoint,
} from "./endpoint-policy";
import {
  UpstreamAbortedError,
  UpstreamBlockedError,
  UpstreamConnectionError,
  UpstreamError,
  UpstreamHttpError,
  UpstreamInvalidEndpointError,
  UpstreamInvalidRequestError,
  UpstreamInvalidResponseError,
  UpstreamRedirectError,
  UpstreamResponseTooLargeError,
  UpstreamTimeoutError,
} from "./errors";
import { resolvePinned, type Resolver, systemResolver } from "./resolve-pinned";

export type ForwardChatCompletionParameters = {
  /** The deployment's registered base URL; the request goes to `<base path>/v1/chat/completions`. */
  endpoint: string;
  /** The OpenAI-style request body, sent as JSON. Streaming (`stream: true`) is not supported. */
  body: Record<string, unknown>;
  /** Budget for resolution, connection and the whole response together, in milliseconds. */
  timeoutMs: number;
  /** Largest response body accepted, in bytes. */
  maxResponseBytes: number;
  /** Which addresses may be reached; defaults to public addresses only. */
  policy?: EndpointPolicy;
  /** Resolves the endpoint's hostname once; defaults to the operating system's resolver. */
  resolver?: Resolver;
  /** Extra request headers (e.g. an upstream API key). Framing and routing headers cannot be set. */
  headers?: Readonly<Record<string, string>>;
  /** Cancels the call (e.g. when the relayer's own client disconnects); rejects with UpstreamAbortedError. */
  signal?: AbortSignal;
};

export type ForwardChatCompletionReturnType = {
  completion: ChatCompletion;
  /** The upstream's HTTP status (always 2xx). */
  status: number;
  /** Wall time from the call to the parsed answer, resolution included, in whole milliseconds. */
  latencyMs: number;
  /** The pinned IP address the request was sent to (canonical text). */
  upstreamAddress: string;
};

/** @public the action's error union (SDK convention), for callers outside this repository */
export type ForwardChatCompletionErrorType =
  | UpstreamInvalidRequestError
  | UpstreamInvalidEndpointError
  | UpstreamBlockedError
  | UpstreamTimeoutError
  | UpstreamAbortedError
  | UpstreamResponseTooLargeError
  | UpstreamHttpError
  | UpstreamRedirectError
  | UpstreamInvalidResponseError
  | UpstreamConnectionError;

const MAX_TIMEOUT_MS = 10 * 60 * 1000;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\t\u0020-\u007e\u0080-\u00ff]*$/;
// Headers that decide where and how the request is framed belong to this client alone.
const RESERVED_HEADERS = new Set([
  "host",
  "content-length",
  "content-type",
  "content-encoding",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "upgrade",
  "te",
  "trailer",
  "expect",
  "accept",
  "accept-encoding",
  "proxy-authorization",
  "proxy-connection",
]);

/**
 * POSTs a chat-completion request to a registered deployment without letting the endpoint steer the
 * relayer: the host is validated and resolved once, the connection goes to that pinned address,
 * redirects are refused, and the answer must be a bounded JSON `chat.completion`.
 */
export async function forwardChatCompletion(
  parameters: ForwardChatCompletionParameters,
): Promise<ForwardChatCompletionReturnType> {
  const started = performance.now();
  const {
    endpoint,
    timeoutMs,
    maxResponseBytes,
    policy = defaultEndpointPolicy,
    resolver = systemResolver,
  } = parameters;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS) {
    throw new UpstreamInvalidRequestError(`timeoutMs must be an integer between 1 and ${MAX_TIMEOUT_MS}.`);
  }
  if (!Number.isSafeInteger(maxResponseBytes) || maxResponseBytes < 1) {
    throw new UpstreamInvalidRequestError("maxResponseBytes must be a positive integer.");
  }
  const payload = serializeBody(parameters.body);
  const extraHeaders = checkHeaders(parameters.headers ?? {});
  const callerSignal = parameters.signal;
  if (callerSignal !== undefined && !(callerSignal instanceof AbortSignal)) {
    throw new UpstreamInvalidRequestError("signal must be an AbortSignal.");
  }
  const target = validateEndpoint(endpoint, policy);
  if (callerSignal?.aborted) throw new UpstreamAbortedError({ cause: callerSignal.reason });

  // One signal ends everything in flight; `timedOut` records which of the two reasons fired.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new UpstreamTimeoutError(timeoutMs));
  }, timeoutMs);
  const onCallerAbort = (): void => controller.abort(new UpstreamAbortedError({ cause: callerSignal?.reason }));
  callerSignal?.addEventListener("abort", onCallerAbort, { once: true });
  let request: ClientRequest | undefined;
  try {
    const pinned = await resolvePinned({ hostname: target.hostname, policy, resolver, signal: controller.signal });
    const sent = await send(target, pinned, payload, extraHeaders, controller.signal);
    request = sent.request;
    const { response } = sent;
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400) throw new UpstreamRedirectError(status, response.headers.location);
    if (status < 200 || status >= 300) throw new UpstreamHttpError(status);
    checkResponseHeaders(response.headers);
    const raw = await readBody(response, maxResponseBytes);
    const completion = parseCompletion(raw);
    return { completion, status, latencyMs: Math.round(performance.now() - started), upstreamAddress: pinned.address };
  } catch (error) {
    // Our own errors are never side effects of the abort; anything else raised after it is the abort.
    if (error instanceof UpstreamError) throw error;
    if (controller.signal.aborted) {
      throw timedOut
        ? new UpstreamTimeoutError(timeoutMs, { cause: error })
        : new UpstreamAbortedError({ cause: error });
    }
    throw new UpstreamConnectionError(`Could not complete the request to ${target.hostname}.`, { cause: error });
  } finally {
    clearTimeout(timer);
    callerSignal?.removeEventListener("abort", onCallerAbort);
    // Whatever happened, never leave the socket open: an unread or oversized body is simply dropped.
    request?.destroy();
  }
}

function serializeBody(body: unknown): Buffer {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new UpstreamInvalidRequestError("body must be a JSON object.");
  }
  if ((body as Record<string, unknown>).stream === true) {
    throw new UpstreamInvalidRequestError("Streaming chat completions (stream: true) are not supported.");
  }
  let json: string;
  try {
    json = JSON.stringify(body);
  } catch (error) {
    throw new UpstreamInvalidRequestError("body cannot be serialized to JSON.", { cause: error });
  }
  return Buffer.from(json, "utf8");
}

function checkHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  if (typeof headers !== "object" || headers === null)
    throw new UpstreamInvalidRequestError("headers must be an object.");
  const checked: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (!HEADER_NAME.test(name))
      throw new UpstreamInvalidRequestError(`Header name ${JSON.stringify(name)} is invalid.`);
    if (typeof value !== "string" || !HEADER_VALUE.test(value)) {
      throw new UpstreamInvalidRequestError(`Header ${name} has an invalid value.`);
    }
    if (RESERVED_HEADERS.has(lower) || lower.startsWith("proxy-")) {
      throw new UpstreamInvalidRequestError(`Header ${name} is set by the upstream client and cannot be overridden.`);
    }
    checked[lower] = value;
  }
  return checked;
}

type Sent = { request: ClientRequest; response: IncomingMessage };

function send(
  target: ValidatedEndpoint,
  pinned: { address: string; family: 4 | 6 },
  payload: Buffer,
  extraHeaders: Record<string, string>,
  signal: AbortSignal,
): Promise<Sent> {
  const options: RequestOptions = {
    // Connecting to the IP itself means no resolver runs again between the policy check and connect().
    host: pinned.address,
    family: pinned.family,
    port: target.port,
    method: "POST",
    path: target.chatCompletionsUrl.pathname,
    setHost: false,
    headers: {
      ...extraHeaders,
      host: target.url.host,
      "content-type": "application/json",
      "content-length": String(payload.length),
      accept: "application/json",
      // Compressed bodies would dodge the size cap until decompressed; ask for none and refuse any.
      "accept-encoding": "identity",
      connection: "close",
    },
    // A fresh agent per call: no pooled socket can outlive the pinning of the call that opened it.
    agent: false,
    signal,
  };
  // TLS must verify the certificate against the registered name, not the pinned IP. Node would derive
  // this from the Host header too; setting it keeps SNI and verification independent of that detail.
  if (target.protocol === "https:" && target.ip === undefined) options.servername = target.hostname;
  return new Promise<Sent>((resolve, reject) => {
    const request = (target.protocol === "https:" ? httpsRequest : httpRequest)(options, (response) =>
      resolve({ request, response }),
    );
    request.on("error", reject);
    request.end(payload);
  });
}

function checkResponseHeaders(headers: IncomingHttpHeaders): void {
  const mediaType = (headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
  if (mediaType !== "application/json" && !/^application\/[a-z0-9.!#$&^_-]+\+json$/.test(mediaType)) {
    throw new UpstreamInvalidResponseError("Upstream response is not JSON.", {
      details: `content-type: ${JSON.stringify(headers["content-type"] ?? null)}`,
    });
  }
  const encoding = (headers["content-encoding"] ?? "identity").trim().toLowerCase();
  if (encoding !== "identity") throw new UpstreamInvalidResponseError("Upstream response is content-encoded.");
}

async function readBody(response: IncomingMessage, maxResponseBytes: number): Promise<Buffer> {
  const declared = response.headers["content-length"];
  if (declared !== undefined && Number(declared) > maxResponseBytes) {
    throw new UpstreamResponseTooLargeError(maxResponseBytes);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response) {
    const buffer = chunk as Buffer;
    total += buffer.length;
    if (total > maxResponseBytes) throw new UpstreamResponseTooLargeError(maxResponseBytes);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, total);
}

function parseCompletion(raw: Buffer): ChatCompletion {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(raw));
  } catch (error) {
    throw new UpstreamInvalidResponseError("Upstream response body is not valid JSON.", { cause: error });
  }
  const parsed = chatCompletionSchema.safeParse(json);
  if (!parsed.success) {
    throw new UpstreamInvalidResponseError("Upstream response is not a chat.completion.", {
      cause: parsed.error,
      details: parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`).join("; "),
    });
  }
  return parsed.data;
}
