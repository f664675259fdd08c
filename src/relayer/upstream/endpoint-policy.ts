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
  /**
   * Ports an endpoint may never name, whatever its host (default DEFAULT_BLOCKED_PORTS). A model
   * endpoint speaks HTTP; letting a registrant point the relayer at SSH, SMTP, Redis or memcached on
   * some public host would make the relayer a tool for cross-protocol attacks on that host.
   */
  blockedPorts?: readonly number[];
};

/** A validated, immutable policy; build it once at startup with `createEndpointPolicy`. */
export type EndpointPolicy = {
  readonly allowLoopback: boolean;
  readonly allowedRanges: readonly IpRange[];
  readonly blockedPorts: ReadonlySet<number>;
};

/**
 * The Fetch standard's "bad ports" (services browsers refuse to speak HTTP to: ftp, ssh, telnet,
 * smtp, dns, pop3, imap, ldap, nfs, sip, irc, …) plus databases, caches and control planes that
 * answer on well-known ports (mssql, oracle, zookeeper, docker, etcd, mysql, postgres, amqp, couchdb,
 * redis, elasticsearch, kafka, memcached, mongodb).
 */
export const DEFAULT_BLOCKED_PORTS: readonly number[] = Object.freeze([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110,
  111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532,
  540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061,
  6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080, 1433, 1521, 2181, 2375, 2376, 2379, 2380, 3306, 5432,
  5672, 5984, 6379, 9092, 9200, 9300, 11211, 27017,
]);

const MIN_ALLOWLIST_PREFIX: Record<4 | 6, number> = { 4: 8, 6: 16 };

/** @throws TypeError when the configuration is malformed. */
export function createEndpointPolicy(config: EndpointPolicyConfig = {}): EndpointPolicy {
  const { allowLoopback = false, allowedHosts = [], blockedPorts = DEFAULT_BLOCKED_PORTS } = config;
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
  for (const port of blockedPorts) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new TypeError(`blockedPorts entry ${JSON.stringify(port)} is not a port between 1 and 65535.`);
    }
  }
  return Object.freeze({
    allowLoopback,
    allowedRanges: Object.freeze(allowedRanges),
    blockedPorts: new Set(blockedPorts),
  });
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
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
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
  if (policy.blockedPorts.has(port)) {
    throw invalid(`Endpoint port ${port} belongs to a non-HTTP service the relayer refuses to call.`);
  }

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
