/** How big a run is: `quick` fits CI (< 2 minutes on 2 cores), `full` is the documented run. */
export type BenchMode = "quick" | "full";

export const BENCH_MODES: readonly BenchMode[] = ["quick", "full"];

/** One markdown table of a bench's output. */
export type BenchTable = {
  title: string;
  columns: string[];
  rows: (string | number)[][];
};

/**
 * One performance target of docs/benchmarks.md, measured in this run. `measured` and `limit` are in
 * the same unit; a ratio against a baseline measured in the same run is a target like any other.
 */
export type BenchTarget = {
  /** Stable id, e.g. `commit-gas-1k-ratio`. */
  id: string;
  /** One line saying what is compared with what. */
  description: string;
  measured: number;
  limit: number;
  /** `<=`: measured must not exceed limit; `>=`: measured must reach it. */
  comparison: "<=" | ">=";
  unit: string;
};

/** What a bench hands back: tables for people, `data` (plain JSON numbers and strings) for machines. */
export type BenchOutcome = {
  tables: BenchTable[];
  data: Record<string, unknown>;
  notes: string[];
  /** Targets this bench checks (empty when it only reports); only full runs are held to them. */
  targets: BenchTarget[];
};

export type BenchContext = {
  mode: BenchMode;
  /** Prints one progress line to stderr (stdout carries the tables). */
  log(message: string): void;
};

export type Bench = {
  name: string;
  description: string;
  run(context: BenchContext): Promise<BenchOutcome>;
};

export class BenchError extends Error {
  override readonly name = "BenchError";
}
