import type { Server } from "node:http";

const TOO_MANY_CONNECTIONS_BODY = JSON.stringify({
  error: {
    message: "This address has too many open connections to the relayer.",
    type: "server_error",
    param: null,
    code: "too_many_connections",
  },
});

/** What a connection over the cap is told before it is closed (its request is never parsed). */
const TOO_MANY_CONNECTIONS = [
  "HTTP/1.1 503 Service Unavailable",
  "Content-Type: application/json",
  "Retry-After: 1",
  "Connection: close",
  `Content-Length: ${Buffer.byteLength(TOO_MANY_CONNECTIONS_BODY)}`,
  "",
  TOO_MANY_CONNECTIONS_BODY,
].join("\r\n");

/**
 * Caps the open connections one remote address may hold, so a single client cannot exhaust the
 * relayer's sockets with idle or slow connections (the rate limiter only sees finished requests).
 * A connection over the cap gets a 503 and is closed.
 */
export function limitConnectionsPerIp(server: Server, maxPerIp: number): void {
  const open = new Map<string, number>();
  server.on("connection", (socket) => {
    const ip = socket.remoteAddress ?? "unknown";
    const count = (open.get(ip) ?? 0) + 1;
    if (count > maxPerIp) {
      socket.end(TOO_MANY_CONNECTIONS);
      return;
    }
    open.set(ip, count);
    socket.once("close", () => {
      const left = (open.get(ip) ?? 1) - 1;
      if (left <= 0) open.delete(ip);
      else open.set(ip, left);
    });
  });
}
