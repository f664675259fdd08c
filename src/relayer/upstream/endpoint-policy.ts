import { UpstreamBlockedError, UpstreamInvalidEndpointError } from "./errors";
import { type IpAddress, parseIpAddress } from "./ip-address";
import { type IpRange, parseCidr, rangeContains } from "./ip-cidr";
import { classifyIpAddress, type IpClassification } from "./ip-policy";

export type EndpointPolicyConfig = {
  /** Allow loopback targets (127.0.0.0/8, ::1, localhost). For local development only. Default false. */
  allowLoopback?: boolean;
  /**
   * Explicit IP addresses or CIDRs (e.g. "10.1.2.3", "fd00:1::/64") the operator vouches for; they are
   * reachable even when the IP policy blocks them. Hostnames are not accepted: the check is always on
   * the address actually connected to. Default empty. Prefixes shorter than /8 (IPv4) or /16 (IPv6) are
   * refused so one entry cannot switch the guard off.
   */
  allowedHosts?: readonly string[];
};

/** A validated, immutable policy; build it once at startup with `createEndpointPolicy`. */
export type EndpointPolicy = {
  readonly allowLoopback: boolean;
  readonly allowedRanges: readonly IpRange[];
};

const MIN_ALLOWLIST_PREFIX: Record<4 | 6, number> = { 4: 8, 6: 16 };

/** @throws TypeError when the configuration is malformed. */
export function createEndpointPolicy(config: EndpointPolicyConfig = {}): EndpointPolicy {
  const { allowLoopback = false, allowedHosts = [] } = config;
  if (typeof allowLoopback !== "boolean") throw new TypeError("allowLoopback must be a boolean.");
  if (!Array.isArray(allowedHosts)) throw new TypeError("allowedHosts must be an array of IP addresses or CIDRs.");
  const allowedRanges = allowedHosts.map((entry: unknown) => {
    const range = typeof entry === "string" ? parseCidr(entry) : undefined;
    if (range === undefined) {
      throw new TypeError(
        `allowedHosts entry ${JSON.stringify(entry)} is not an IP address or CIDR with zero host bits.`,
      );
    }
    if (range.prefixLength < MIN_ALLOWLIST_PREFIX[range.family]) {
      throw new TypeError(`allowedHosts entry ${entry} is wider than /${MIN_ALLOWLIST_PREFIX[range.family]}.`);
    }
    return Object.freeze(range);
  });
  return Object.freeze({ allowLoopback, allowedRanges: Object.freeze(allowedRanges) });
}

/** Public addresses only: what every production relayer should use. */
export const defaultEndpointPolicy: EndpointPolicy = createEndpointPolicy();

export type AddressVerdict = IpClassification & { allowed: boolean };

/** Applies the policy to one address: public, loopback when allowed, or explicitly allowlisted. */
export function checkAddress(ip: IpAddress, policy: EndpointPolicy): AddressVerdict {
  const classification = classifyIpAddress(ip);
  const allowed =
    !classification.blocked ||
    (policy.allowLoopback && classification.reason === "loopback") ||
    policy.allowedRanges.some((range) => rangeContains(range, ip));
  return { ...classification, allowed };
}

/** Like `checkAddress`, but throws UpstreamBlockedError for a refused address. */
export function assertAddressAllowed(hostname: string, ip: IpAddress, policy: EndpointPolicy): AddressVerdict {
  const verdict = checkAddress(ip, policy);
  if (!verdict.allowed && verdict.blocked) {
    throw new UpstreamBlockedError({ hostname, address: verdict.address, reason: verdict.reason });
  }
  return verdict;
}

/** RFC 6761 reserves `localhost` and every name under it for loopback, whatever DNS says. */
export function isLocalhostName(hostname: string): boolean {
  return hostname === "localhost" || hostname.endsWith(".localhost");
}

/** Lower-cases a hostname and drops brackets and one trailing dot, so every spelling compares equal. */
export function normalizeHostname(hostname: string): string {
  let host = hostname.toLowerCase();
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (host.endsWith(".") && host.length > 1) host = host.slice(0, -1);
  return host;
}

const HOSTNAME_LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

/** A DNS name of letters, digits, hyphens and underscores (IDNs arrive here already punycoded). */
export function isValidHostname(hostname: string): boolean {
  return hostname.length <= 253 && hostname.split(".").every((label) => HOSTNAME_LABEL.test(label));
}

export type ValidatedEndpoint = {
  /** The registered base URL as parsed (WHATWG-normalized: IPv4 spellings become dotted-quad). */
  url: URL;
  protocol: "http:" | "https:";
  /** Normalized host: lower case, no brackets, no trailing dot. */
  hostname: string;
  port: number;
  /** Set when the host is an IP literal: such hosts are never handed to a resolver. */
  ip: IpAddress | undefined;
  /**
   * Where chat completions are POSTed: the base path without trailing slashes and without a final
   * `/v1` segment, then `/v1/chat/completions`. So `http://h:11434` and `http://h:11434/v1/` both
   * reach `http://h:11434/v1/chat/completions`, as OpenAI clients treat their base URL.
   */
  chatCompletionsUrl: URL;
};

const MAX_ENDPOINT_LENGTH = 2048;
const CHAT_COMPLETIONS_PATH = "/v1/chat/completions";

/**
 * Validates a registered endpoint (a base URL such as `http://host:8080` or `https://host/prefix`)
 * and, when its host is an IP literal or a localhost name, applies the IP policy right away.
 * Hostnames still need `resolvePinned` before connecting.
 */
export function validateEndpoint(endpoint: string, policy: EndpointPolicy = defaultEndpointPolicy): ValidatedEndpoint {
  const invalid = (message: string, cause?: unknown): UpstreamInvalidEndpointError =>
    new UpstreamInvalidEndpointError(String(endpoint), message, { cause });
  if (typeof endpoint !== "string" || endpoint.length === 0) throw invalid("Endpoint must be a non-empty string.");
  if (endpoint.length > MAX_ENDPOINT_LENGTH)
    throw invalid(`Endpoint is longer than ${MAX_ENDPOINT_LENGTH} characters.`);
  // URL parsing silently strips tabs, newlines and edge spaces; a registered endpoint must not need that.
  if (/[\u0000-\u0020\u007f]/.test(endpoint)) throw invalid("Endpoint contains whitespace or control characters.");
  if (!/^https?:\/\//i.test(endpoint)) throw invalid("Endpoint must start with http:// or https://.");
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch (error) {
    throw invalid("Endpoint is not a valid URL.", error);
  }
  const protocol = url.protocol === "https:" ? "https:" : url.protocol === "http:" ? "http:" : undefined;
  if (protocol === undefined) throw invalid("Endpoint must use http or https.");
  if (url.username !== "" || url.password !== "") throw invalid("Endpoint must not contain credentials.");
  if (url.search !== "" || endpoint.includes("?")) throw invalid("Endpoint must not contain a query string.");
  if (url.hash !== "" || endpoint.includes("#")) throw invalid("Endpoint must not contain a fragment.");
  const hostname = normalizeHostname(url.hostname);
  if (hostname === "") throw invalid("Endpoint host is empty.");
  const port = url.port === "" ? (protocol === "https:" ? 443 : 80) : Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid("Endpoint port must be between 1 and 65535.");

  const ip = parseIpAddress(hostname);
  if (ip !== undefined) assertAddressAllowed(hostname, ip, policy);
  else if (!isValidHostname(hostname)) throw invalid("Endpoint host is not a valid hostname.");
  else if (isLocalhostName(hostname) && !policy.allowLoopback) {
    throw new UpstreamBlockedError({ hostname, reason: "loopback" });
  }

  const chatCompletionsUrl = new URL(url.href);
  chatCompletionsUrl.pathname = `${url.pathname.replace(/\/+$/, "").replace(/\/v1$/i, "")}${CHAT_COMPLETIONS_PATH}`;
  return { url, protocol, hostname, port, ip, chatCompletionsUrl };
}
