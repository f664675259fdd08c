import type { LoadResult, LoadShape } from "./load";

/** Where a run sends its load: the stub upstream itself, or a relayer in front of it. */
export type LoadTarget = { kind: "stub" } | { kind: "relayer"; url: string; apiKey: string };

export type LoadPhase = { requests: number; shape: LoadShape };

/** Parent → load process: load one target, phase after phase (after `warmup` unmeasured requests). */
export type RunLoadMessage = {
  type: "run";
  target: LoadTarget;
  model: string;
  /** Sent closed-loop with the first phase's concurrency (or 32) and not measured. */
  warmup: number;
  phases: LoadPhase[];
  /** Per phase. */
  deadlineMs: number;
};

/** Parent → load process: no more runs; close the stub and exit. */
export type DoneMessage = { type: "done" };

/** Load process → parent. */
export type LoadProcessMessage =
  { type: "stub"; url: string } | { type: "result"; results: LoadResult[] } | { type: "error"; message: string };
