import { BenchError } from "./types";

/** Milliseconds since an arbitrary origin, sub-millisecond resolution. */
export function nowMs(): number {
  return performance.now();
}

/** Nearest-rank percentile of already sorted samples. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new BenchError("a percentile needs at least one sample");
  if (!(p >= 0 && p <= 100)) throw new BenchError(`percentile ${p} is not between 0 and 100`);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

export type LatencySummary = { count: number; mean: number; p50: number; p95: number; p99: number; max: number };

export function summarizeLatencies(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((s, x) => s + x, 0);
  return {
    count: sorted.length,
    mean: sum / sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1]!,
  };
}

/** Operations per second, rounded to something readable. */
export function rate(count: number, elapsedMs: number): number {
  if (elapsedMs <= 0) throw new BenchError("an elapsed time must be positive to compute a rate");
  return round((count * 1000) / elapsedMs, count * 1000 >= elapsedMs * 100 ? 0 : 1);
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
