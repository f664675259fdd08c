import type { RequestHandler } from "express";
import { type IncrementResponse, type Options, type Store, ipKeyGenerator, rateLimit } from "express-rate-limit";
import { errorBody } from "../errors";
import type { RateLimitsStore } from "../store/types";

type Req = Parameters<RequestHandler>[0];
type Res = Parameters<RequestHandler>[1];

export type RateLimitParameters = {
  perMinute: number;
  key: (req: Req, res: Res) => string;
  scope: string;
  /** Counters shared by replicas (PostgreSQL); null or absent keeps them in this process's memory. */
  counters?: RateLimitsStore | null;
};

/** express-rate-limit's store interface over the relayer store's shared counters. */
class SharedCounters implements Store {
  /** Hits in one replica count against every replica's limit. */
  readonly localKeys = false;
  private windowMs = 60_000;

  constructor(private readonly counters: RateLimitsStore) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async increment(key: string): Promise<IncrementResponse> {
    const hit = await this.counters.hit(key, this.windowMs, Date.now());
    return { totalHits: hit.hits, resetTime: new Date(hit.resetAt) };
  }

  decrement(key: string): Promise<void> {
    return this.counters.unhit(key);
  }

  resetKey(key: string): Promise<void> {
    return this.counters.reset(key);
  }
}

/** Fixed one-minute window per key; answers 429 with Retry-After and the JSON error shape. */
export function createRateLimit(params: RateLimitParameters): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: params.perMinute,
    standardHeaders: "draft-7",
    legacyHeaders: false,
    keyGenerator: (req, res) => `${params.scope}:${params.key(req, res)}`,
    ...(params.counters ? { store: new SharedCounters(params.counters) } : {}),
    handler: (_req, res) => {
      res.status(429).json(errorBody("rate_limited", "Too many requests; retry after the time in Retry-After."));
    },
    // Our key generators handle IPv6 subnets themselves (ipKeyGenerator); the library's checks of the
    // default generator do not apply.
    validate: { keyGeneratorIpFallback: false },
  });
}

export function ipKey(req: Req): string {
  return ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? "unknown");
}
