import { type RequestListener, type Server, createServer } from "node:http";
import { limitConnectionsPerIp } from "./connection-limit";

export type HttpServerLimits = {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnectionsPerIp: number;
};

/** How often Node looks for connections past their header or request timeout (its default is 30 s). */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/**
 * The relayer's HTTP server with explicit limits instead of Node's defaults, so a slow client cannot
 * hold a socket for minutes. Node enforces the header and request timeouts only when it checks its
 * connections; checking every second makes the configured timeouts the ones clients meet.
 */
export function createRelayerHttpServer(app: RequestListener, limits: HttpServerLimits): Server {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_INTERVAL_MS, limits.headersTimeoutMs),
    },
    app,
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  limitConnectionsPerIp(server, limits.maxConnectionsPerIp);
  return server;
}
