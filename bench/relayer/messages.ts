import type { LoadResult } from "./load";

/** Parent → load process: start the measured runs. */
export type RunLoadMessage = {
  type: "run";
  relayerUrl: string;
  apiKey: string;
  model: string;
  warmup: number;
  /** Each phase loads the stub alone, then the relayer, with the same request count and concurrency. */
  phases: { requests: number; concurrency: number }[];
  /** Per load run. */
  deadlineMs: number;
};

export type PhaseResult = { requests: number; concurrency: number; stub: LoadResult; relayer: LoadResult };

/** Load process → parent. */
export type LoadProcessMessage =
  { type: "stub"; url: string } | { type: "result"; phases: PhaseResult[] } | { type: "error"; message: string };
