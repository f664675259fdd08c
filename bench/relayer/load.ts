import http from "node:http";
import { readBody } from "./read-body";
import { type LatencySummary, nowMs, round, summarizeLatencies } from "../lib/stats";

/**
 * Closed loop: `concurrency` clients each send their next request as soon as the last one answers
 * (measures the most a server can serve). Open loop: one request every 1/`perSecond` s whatever
 * the answers do (measures latency at a given load; each latency counts from the request's
 * scheduled start, so a stalled server is not hidden by requests it delayed).
 */
export type LoadShape = { concurrency: number } | { perSecond: number };

export type LoadParameters = {
  /** Full URL of the endpoint to POST to (loopback only). */
  url: string;
  requests: number;
  shape: LoadShape;
  /** Gives up (and reports what it has) once this much wall time has passed. */
  deadlineMs: number;
  headers: Record<string, string>;
  body(i: number): unknown;
  /** Checks a 200 answer's body; returns a reason when it is wrong. */
  check?(body: string): string | null;
};

export type LoadResult = {
  requests: number;
  ok: number;
  errors: number;
  firstError: string | null;
  elapsedMs: number;
  perSecond: number;
  latencyMs: LatencySummary;
  timedOut: boolean;
};

function post(agent: http.Agent, url: URL, headers: Record<string, string>, payload: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: "POST",
        agent,
        headers: { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
      },
      (res) => {
        res.on("error", reject);
        readBody(res, (body) => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

export async function runLoad(params: LoadParameters): Promise<LoadResult> {
  const url = new URL(params.url);
  if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost")
    throw new Error(`load targets loopback only, not ${url.hostname}`);
  const { shape } = params;
  // Open loop keeps to 32 connections too (later requests wait for one, their latency still counts
  // from their scheduled start): a stalled server must not push the client past the relayer's
  // per-IP connection cap.
  // FIFO hands out the longest-idle socket first, so at half load every pooled socket stays busy:
  // with the default LIFO the deepest ones sat idle past the server's 5 s keep-alive timeout and one
  // was reused just as the relayer closed it (a full run failed on that read ECONNRESET).
  const agent = new http.Agent({
    keepAlive: true,
    maxSockets: "concurrency" in shape ? shape.concurrency : 32,
    scheduling: "fifo",
  });
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  let firstError: string | null = null;
  const start = nowMs();
  const deadline = start + params.deadlineMs;
  const one = async (i: number, scheduledAt: number) => {
    const payload = JSON.stringify(params.body(i));
    try {
      const res = await post(agent, url, params.headers, payload);
      const reason =
        res.status !== 200 ? `HTTP ${res.status}: ${res.body.slice(0, 200)}` : (params.check?.(res.body) ?? null);
      if (reason) {
        errors++;
        firstError ??= reason;
      } else {
        ok++;
        latencies.push(nowMs() - scheduledAt);
      }
    } catch (error) {
      errors++;
      firstError ??= error instanceof Error ? error.message : String(error);
    }
  };
  if ("concurrency" in shape) {
    let next = 0;
    const lane = async () => {
      while (next < params.requests && nowMs() < deadline) await one(next++, nowMs());
    };
    await Promise.all(Array.from({ length: shape.concurrency }, lane));
  } else {
    const interval = 1000 / shape.perSecond;
    const inFlight = new Set<Promise<void>>();
    for (let i = 0; i < params.requests; i++) {
      const scheduledAt = start + i * interval;
      if (scheduledAt > deadline) break;
      const wait = scheduledAt - nowMs();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const request = one(i, scheduledAt).finally(() => inFlight.delete(request));
      inFlight.add(request);
    }
    await Promise.all(inFlight);
  }
  const elapsedMs = nowMs() - start;
  agent.destroy();
  return {
    requests: ok + errors,
    ok,
    errors,
    firstError,
    elapsedMs: round(elapsedMs, 1),
    perSecond: round((ok * 1000) / elapsedMs, 1),
    latencyMs:
      latencies.length > 0
        ? roundSummary(summarizeLatencies(latencies))
        : { count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 },
    timedOut: ok + errors < params.requests,
  };
}

function roundSummary(s: LatencySummary): LatencySummary {
  return {
    count: s.count,
    mean: round(s.mean),
    p50: round(s.p50),
    p95: round(s.p95),
    p99: round(s.p99),
    max: round(s.max),
  };
}
