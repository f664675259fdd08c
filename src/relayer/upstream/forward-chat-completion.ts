import {
  Agent as HttpAgent,
  type ClientRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request as httpRequest,
} from "node:http";
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from "node:https";
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
  /** The OpenAI-style request body, sent as JSON (forwardChatCompletionStream sets `stream: true`). */
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
  /** Keep-alive connections to reuse (createUpstreamConnections); without them every call opens and closes its own. */
  connections?: UpstreamConnections;
};

/**
 * Keep-alive connections to deployments, shared by the calls of one relayer. Node's agents key a
 * pooled socket by the host, port and family it was opened to (and, for TLS, the servername and
 * TLS options). Every request names the pinned, policy-checked IP itself as its host, so a pooled
 * socket only ever serves calls pinned to the address it is connected to; a name that resolves
 * somewhere else later is checked again and gets a connection of its own.
 */
export type UpstreamConnections = {
  readonly http: HttpAgent;
  readonly https: HttpsAgent;
  /** Closes every idle pooled connection (sockets in use close when their call ends). */
  close(): void;
};

export type CreateUpstreamConnectionsParameters = {
  /**
   * An idle pooled connection is closed after this long. Below the usual 5 s server keep-alive, so
   * the relayer, not the deployment, ends idle connections and a request rarely meets a closing one.
   */
  idleTimeoutMs?: number;
  /** Idle connections kept per address and port; busy ones are not capped (the call's timeout bounds them). */
  maxIdlePerAddress?: number;
};

export function createUpstreamConnections(parameters: CreateUpstreamConnectionsParameters = {}): UpstreamConnections {
  const options = {
    keepAlive: true,
    timeout: parameters.idleTimeoutMs ?? 4_000,
    maxFreeSockets: parameters.maxIdlePerAddress ?? 64,
    // The most recently used socket is the least likely to have been closed by the other side.
    scheduling: "lifo" as const,
  };
  const http = new HttpAgent(options);
  const https = new HttpsAgent(options);
  return {
    http,
    https,
    close() {
      http.destroy();
      https.destroy();
    },
  };
}

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
  if ((parameters.body as Record<string, unknown> | null)?.stream === true) {
    throw new UpstreamInvalidRequestError("Use forwardChatCompletionStream for stream: true.");
  }
  const call = await openUpstreamCall(parameters, "application/json");
  try {
    checkResponseHeaders(call.response.headers, "json");
    const raw = await readBody(call.response, parameters.maxResponseBytes);
    const completion = parseCompletion(raw);
    return {
      completion,
      status: call.status,
      latencyMs: Math.round(performance.now() - call.started),
      upstreamAddress: call.upstreamAddress,
    };
  } catch (error) {
    throw call.translate(error);
  } finally {
    call.close();
  }
}

export type ForwardChatCompletionStreamReturnType = {
  /** The upstream's HTTP status (always 2xx). */
  status: number;
  /** The pinned IP address the request was sent to (canonical text). */
  upstreamAddress: string;
  /**
   * The stream's events in order until `data: [DONE]` or the end of the stream: each event's data
   * exactly as received and parsed as a `chat.completion.chunk` object. The byte cap and the timeout
   * cover the whole stream; iteration throws the same UpstreamError classes as forwardChatCompletion.
   */
  events: AsyncGenerator<UpstreamStreamEvent, void, undefined>;
};

export type UpstreamStreamEvent = { data: string; chunk: Record<string, unknown> };

/**
 * Like forwardChatCompletion with `stream: true`: resolves once the upstream answered 2xx with
 * `text/event-stream`, then yields its server-sent events. Ending the iteration early (or aborting
 * the signal) closes the upstream connection.
 */
export async function forwardChatCompletionStream(
  parameters: ForwardChatCompletionParameters,
): Promise<ForwardChatCompletionStreamReturnType> {
  const call = await openUpstreamCall(
    { ...parameters, body: { ...parameters.body, stream: true } },
    "text/event-stream",
  );
  try {
    checkResponseHeaders(call.response.headers, "event-stream");
  } catch (error) {
    call.close();
    throw call.translate(error);
  }
  return {
    status: call.status,
    upstreamAddress: call.upstreamAddress,
    events: readEvents(call, parameters.maxResponseBytes),
  };
}

/**
 * validateEndpoint's answers for accepted endpoints, per policy: the check is a pure function of the
 * string and the (immutable) policy, and parsing two URLs per call was ~2% of the relayer's main
 * thread (#13). Refused endpoints are not kept (they throw every time); the cached values are never
 * mutated. Endpoints come from on-chain registrations, so the map is bounded.
 */
const validatedEndpoints = new WeakMap<EndpointPolicy, Map<string, ValidatedEndpoint>>();
const MAX_VALIDATED_ENDPOINTS = 1024;

function validatedEndpoint(endpoint: string, policy: EndpointPolicy): ValidatedEndpoint {
  let known = validatedEndpoints.get(policy);
  if (known === undefined) {
    known = new Map();
    validatedEndpoints.set(policy, known);
  }
  let target = known.get(endpoint);
  if (target === undefined) {
    target = validateEndpoint(endpoint, policy);
    if (known.size >= MAX_VALIDATED_ENDPOINTS) known.clear();
    known.set(endpoint, target);
  }
  return target;
}

type UpstreamCall = {
  response: IncomingMessage;
  status: number;
  upstreamAddress: string;
  started: number;
  /** Names what went wrong in UpstreamError terms (the timeout or the caller's abort win over side effects). */
  translate(error: unknown): UpstreamError;
  /** Stops the timer and the socket; safe to call more than once. */
  close(): void;
};

/** Validates, resolves, connects and sends; resolves with a 2xx response whose body is still unread. */
async function openUpstreamCall(parameters: ForwardChatCompletionParameters, accept: string): Promise<UpstreamCall> {
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
  const target = validatedEndpoint(endpoint, policy);
  if (callerSignal?.aborted) throw new UpstreamAbortedError({ cause: callerSignal.reason });

  // One signal ends everything in flight; `timedOut` records which of the two reasons fired.
  const controller = new AbortController();
  let timedOut = false;
  // The request being sent (the latest attempt). Aborting destroys it here rather than through
  // http.request's `signal` option, whose per-request listener bookkeeping (addAbortSignal and
  // finished()) was ~1.5% of the relayer's main thread (#13); as with the resolver, the abort's
  // reason is the error.
  let sending: ClientRequest | undefined;
  const abort = (reason: UpstreamError): void => {
    controller.abort(reason);
    sending?.destroy(reason);
  };
  const timer = setTimeout(() => {
    timedOut = true;
    abort(new UpstreamTimeoutError(timeoutMs));
  }, timeoutMs);
  const onCallerAbort = (): void => abort(new UpstreamAbortedError({ cause: callerSignal?.reason }));
  callerSignal?.addEventListener("abort", onCallerAbort, { once: true });
  const onRequest = (started: ClientRequest): void => {
    sending = started;
    if (controller.signal.aborted) started.destroy(controller.signal.reason);
  };
  const close = (): void => {
    clearTimeout(timer);
    callerSignal?.removeEventListener("abort", onCallerAbort);
    // An unread or oversized body is simply dropped with its socket. A response read to its end has
    // already handed a keep-alive socket back to its pool, and destroy() no longer touches it.
    sending?.destroy();
  };
  const translate = (error: unknown): UpstreamError => {
    // Our own errors are never side effects of the abort; anything else raised after it is the abort.
    if (error instanceof UpstreamError) return error;
    if (controller.signal.aborted) {
      return timedOut
        ? new UpstreamTimeoutError(timeoutMs, { cause: error })
        : new UpstreamAbortedError({ cause: error });
    }
    return new UpstreamConnectionError(`Could not complete the request to ${target.hostname}.`, { cause: error });
  };
  try {
    // An IP literal was already checked against this policy by validateEndpoint; resolvePinned would
    // only parse and check it again.
    const pinned =
      target.ip !== undefined
        ? { address: target.ip.address, family: target.ip.family }
        : await resolvePinned({ hostname: target.hostname, policy, resolver, signal: controller.signal });
    const response = await send(
      target,
      pinned,
      payload,
      extraHeaders,
      accept,
      controller.signal,
      onRequest,
      parameters.connections,
    );
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400) throw new UpstreamRedirectError(status, response.headers.location);
    if (status < 200 || status >= 300) throw new UpstreamHttpError(status);
    return { response, status, upstreamAddress: pinned.address, started, translate, close };
  } catch (error) {
    close();
    throw translate(error);
  }
}

async function* readEvents(
  call: UpstreamCall,
  maxResponseBytes: number,
): AsyncGenerator<UpstreamStreamEvent, void, undefined> {
  try {
    const declared = call.response.headers["content-length"];
    if (declared !== undefined && Number(declared) > maxResponseBytes) {
      throw new UpstreamResponseTooLargeError(maxResponseBytes);
    }
    const decoder = new TextDecoder("utf-8", { fatal: true });
    let total = 0;
    let pending = "";
    let data: string[] = [];
    for await (const piece of call.response) {
      const buffer = piece as Buffer;
      total += buffer.length;
      if (total > maxResponseBytes) throw new UpstreamResponseTooLargeError(maxResponseBytes);
      pending += decoder.decode(buffer, { stream: true });
      // Server-sent events (WHATWG HTML §9.2): lines end in CRLF, LF or CR; a blank line dispatches.
      const lines = pending.split(/\r\n|\r|\n/);
      pending = lines.pop()!;
      for (const line of lines) {
        if (line === "") {
          if (data.length === 0) continue;
          const payload = data.join("\n");
          data = [];
          if (payload === "[DONE]") return;
          yield { data: payload, chunk: parseChunk(payload) };
        } else if (!line.startsWith(":")) {
          const colon = line.indexOf(":");
          const field = colon === -1 ? line : line.slice(0, colon);
          const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
          if (field === "data") data.push(value);
        }
      }
    }
    // A stream that ends without [DONE] ends the answer too; an unterminated last event is dropped (as the spec says).
  } catch (error) {
    throw call.translate(error);
  } finally {
    call.close();
  }
}

function parseChunk(payload: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch (error) {
    throw new UpstreamInvalidResponseError("Upstream stream event is not valid JSON.", { cause: error });
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new UpstreamInvalidResponseError("Upstream stream event is not a JSON object.");
  }
  const chunk = json as Record<string, unknown>;
  // vLLM, llama.cpp and OpenRouter report failures after the 200 as an event carrying `error`.
  if ("error" in chunk) throw new UpstreamInvalidResponseError("Upstream stream reported an error.");
  if (!Array.isArray(chunk.choices)) {
    throw new UpstreamInvalidResponseError("Upstream stream event is not a chat.completion.chunk.");
  }
  return chunk;
}

function serializeBody(body: unknown): Buffer {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new UpstreamInvalidRequestError("body must be a JSON object.");
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

/** Errors of a pooled socket the deployment closed while it sat idle: the request never reached it. */
const STALE_SOCKET_CODES = new Set(["ECONNRESET", "EPIPE"]);

function send(
  target: ValidatedEndpoint,
  pinned: { address: string; family: 4 | 6 },
  payload: Buffer,
  extraHeaders: Record<string, string>,
  accept: string,
  signal: AbortSignal,
  onRequest: (request: ClientRequest) => void,
  connections: UpstreamConnections | undefined,
): Promise<IncomingMessage> {
  const https = target.protocol === "https:";
  const options: RequestOptions = {
    // Connecting to the IP itself means no resolver runs again between the policy check and connect(),
    // and (see UpstreamConnections) keys any pooled socket by that IP.
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
      accept,
      // Compressed bodies would dodge the size cap until decompressed; ask for none and refuse any.
      "accept-encoding": "identity",
      ...(connections === undefined ? { connection: "close" } : {}),
    },
    agent: connections === undefined ? false : https ? connections.https : connections.http,
  };
  // TLS must verify the certificate against the registered name, not the pinned IP. Node would derive
  // this from the Host header too; setting it keeps SNI and verification independent of that detail.
  if (https && target.ip === undefined) options.servername = target.hostname;
  const attempt = (retryStale: boolean): Promise<IncomingMessage> =>
    new Promise<IncomingMessage>((resolve, reject) => {
      const request = (https ? httpsRequest : httpRequest)(options, resolve);
      request.on("error", (error: NodeJS.ErrnoException) => {
        // A pooled socket the deployment closed just as it was reused fails before any answer; the
        // request never reached the deployment, so it is sent once more (the pool opens a new socket
        // when it has no other idle one).
        if (retryStale && request.reusedSocket && !signal.aborted && STALE_SOCKET_CODES.has(error.code ?? "")) {
          resolve(attempt(false));
        } else reject(error);
      });
      onRequest(request);
      request.end(payload);
    });
  return attempt(connections !== undefined);
}

function checkResponseHeaders(headers: IncomingHttpHeaders, expected: "json" | "event-stream"): void {
  const mediaType = (headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
  const ok =
    expected === "event-stream"
      ? mediaType === "text/event-stream"
      : mediaType === "application/json" || /^application\/[a-z0-9.!#$&^_-]+\+json$/.test(mediaType);
  if (!ok) {
    throw new UpstreamInvalidResponseError(
      expected === "json" ? "Upstream response is not JSON." : "Upstream response is not an event stream.",
      { details: `content-type: ${JSON.stringify(headers["content-type"] ?? null)}` },
    );
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

/** Refuses malformed UTF-8; decoding without `stream` keeps no state between calls, so one is shared. */
const utf8 = new TextDecoder("utf-8", { fatal: true });

function parseCompletion(raw: Buffer): ChatCompletion {
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(raw));
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
