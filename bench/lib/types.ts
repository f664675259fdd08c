/** How big a run is: `quick` fits CI (< 2 minutes on 2 cores), `full` is the documented run. */
export type BenchMode = "quick" | "full";

export const BENCH_MODES: readonly BenchMode[] = ["quick", "full"];

/** One markdown table of a bench's output. */
export type BenchTable = {
  title: string;
  columns: string[];
  rows: (string | number)[][];
};

/** What a bench hands back: tables for people, `data` (plain JSON numbers and strings) for machines. */
export type BenchOutcome = {
  tables: BenchTable[];
  data: Record<string, unknown>;
  notes: string[];
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
