import type { RequestHandler } from "express";
import { ipKeyGenerator, rateLimit } from "express-rate-limit";
import { errorBody } from "../errors";

type Req = Parameters<RequestHandler>[0];
type Res = Parameters<RequestHandler>[1];

export type RateLimitParameters = { perMinute: number; key: (req: Req, res: Res) => string; scope: string };

/** Fixed one-minute window per key; answers 429 with Retry-After and the JSON error shape. */
export function createRateLimit(params: RateLimitParameters): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: params.perMinute,
    standardHeaders: "draft-7",
    legacyHeaders: false,
    keyGenerator: (req, res) => `${params.scope}:${params.key(req, res)}`,
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
