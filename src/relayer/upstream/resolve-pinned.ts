import { lookup } from "node:dns/promises";
import {
  assertAddressAllowed,
  defaultEndpointPolicy,
  type EndpointPolicy,
  isLocalhostName,
  isValidHostname,
  normalizeHostname,
} from "./endpoint-policy";
import { UpstreamBlockedError, UpstreamConnectionError, UpstreamInvalidRequestError } from "./errors";
import { type IpAddress, parseIpAddress } from "./ip-address";

export type ResolvedAddress = { address: string; family: number };

/** Answers every address a hostname resolves to. Injected in tests; the signal ends the budget. */
export type Resolver = (hostname: string, options: { signal: AbortSignal }) => Promise<readonly ResolvedAddress[]>;

/** The operating system's resolver (getaddrinfo), in the order it returns addresses. */
export const systemResolver: Resolver = (hostname) => lookup(hostname, { all: true, order: "verbatim" });

export type ResolvePinnedParameters = {
  /** A hostname or IP literal (brackets allowed); IP literals are checked without any resolution. */
  hostname: string;
  policy?: EndpointPolicy;
  resolver?: Resolver;
  /** Aborting rejects with the signal's reason; the resolver may keep running but is ignored. */
  signal?: AbortSignal;
};

export type ResolvePinnedReturnType = {
  /** The one address the connection must use (the resolver's first answer, canonical text). */
  address: string;
  family: 4 | 6;
  /** Every address the resolver returned, canonical text, all of them allowed by the policy. */
  addresses: readonly string[];
};

/** @public the action's error union (SDK convention), for callers outside this repository */
export type ResolvePinnedErrorType = UpstreamBlockedError | UpstreamConnectionError | UpstreamInvalidRequestError;

/**
 * Resolves a hostname exactly once and pins the result, so a DNS answer that changes between the
 * check and the connection (rebinding) cannot move the connection. If ANY answer is blocked the whole
 * name is refused rather than filtered: a public name with a private answer is either misconfigured or
 * an attack, and picking "the good one" would still let the attacker probe which names resolve where.
 */
export async function resolvePinned(parameters: ResolvePinnedParameters): Promise<ResolvePinnedReturnType> {
  const {
    policy = defaultEndpointPolicy,
    resolver = systemResolver,
    signal = new AbortController().signal,
  } = parameters;
  if (typeof parameters.hostname !== "string" || parameters.hostname === "") {
    throw new UpstreamInvalidRequestError("Hostname must be a non-empty string.");
  }
  const hostname = normalizeHostname(parameters.hostname);
  signal.throwIfAborted();

  const literal = parseIpAddress(hostname);
  if (literal !== undefined) {
    assertAddressAllowed(hostname, literal, policy);
    return { address: literal.address, family: literal.family, addresses: [literal.address] };
  }
  if (!isValidHostname(hostname)) {
    throw new UpstreamInvalidRequestError(`"${parameters.hostname}" is not a valid hostname.`);
  }
  if (isLocalhostName(hostname) && !policy.allowLoopback)
    throw new UpstreamBlockedError({ hostname, reason: "loopback" });

  const answers = await abortable(resolveOnce(resolver, hostname, signal), signal);
  if (answers.length === 0) throw new UpstreamConnectionError(`Host ${hostname} resolved to no addresses.`);
  const pinned = answers.map((ip) => assertAddressAllowed(hostname, ip, policy));
  return { address: pinned[0].address, family: pinned[0].family, addresses: pinned.map((verdict) => verdict.address) };
}

async function resolveOnce(resolver: Resolver, hostname: string, signal: AbortSignal): Promise<IpAddress[]> {
  let answers: readonly ResolvedAddress[];
  try {
    answers = await resolver(hostname, { signal });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw new UpstreamConnectionError(`Could not resolve host ${hostname}.`, { cause: error });
  }
  if (!Array.isArray(answers)) throw new UpstreamConnectionError(`Resolver returned no address list for ${hostname}.`);
  return answers.map((answer: ResolvedAddress) => {
    const ip = typeof answer?.address === "string" ? parseIpAddress(answer.address) : undefined;
    // An answer we cannot parse is an answer we cannot vet.
    if (ip === undefined) throw new UpstreamConnectionError(`Resolver returned an invalid address for ${hostname}.`);
    return ip;
  });
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
