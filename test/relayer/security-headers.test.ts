import { get } from "node:http";
import type { AddressInfo } from "node:net";
import express, { type RequestHandler } from "express";
import helmet from "helmet";
import { describe, expect, it } from "vitest";
import { securityHeaders } from "../../src/relayer/http/security-headers";

/** The header lines, as sent, of a one-route app (Date dropped: it changes between the two requests). */
async function headerLines(middleware: RequestHandler): Promise<string[]> {
  const app = express();
  app.disable("x-powered-by");
  app.use(middleware);
  app.get("/", (_req, res) => res.json({ ok: true }));
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  try {
    const port = (server.address() as AddressInfo).port;
    const raw = await new Promise<string[]>((resolve, reject) => {
      get({ host: "127.0.0.1", port, path: "/", agent: false }, (response) => {
        response.resume();
        response.on("end", () => resolve(response.rawHeaders));
      }).on("error", reject);
    });
    const lines: string[] = [];
    for (let i = 0; i < raw.length; i += 2) if (raw[i] !== "Date") lines.push(`${raw[i]}: ${raw[i + 1]}`);
    return lines;
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe("securityHeaders", () => {
  it("sends exactly the header lines helmet's defaults send: names, case, values and order", async () => {
    const recorded = await headerLines(securityHeaders());
    expect(recorded).toEqual(await headerLines(helmet()));
    expect(recorded).toContain("X-Frame-Options: SAMEORIGIN");
    expect(recorded.some((line) => line.startsWith("Content-Security-Policy: default-src 'self'"))).toBe(true);
  });
});
