import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Uses the client's X-Request-Id when it is a plain token (so logs join across services), else a
 * fresh UUID; echoes it back either way. Anything else is replaced: ids end up in log lines.
 */
export function genRequestId(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers["x-request-id"];
  const id = typeof incoming === "string" && CLIENT_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader("X-Request-Id", id);
  return id;
}
