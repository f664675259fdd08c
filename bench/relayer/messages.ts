import type { Address } from "viem";
import type { Deployment } from "../../src/protocol/deployment";
import type { LoadResult, LoadShape } from "./load";

/**
 * The model the chain process registers and the load asks for. It lives here, not in
 * chain-process.ts: importing that module runs its main(), which fails outside a forked child and
 * set the bench runner's exit code to 1.
 */
export const BENCH_MODEL_NAME = "ca-kho-vi";

/**
 * Where a run sends its load: the stub upstream itself, a relayer in front of it (answers must carry
 * a signed receipt), or the bare node:http proxy in front of it (bare-proxy.ts: no receipt).
 */
export type LoadTarget =
  { kind: "stub" } | { kind: "relayer"; url: string; apiKey: string } | { kind: "bare-proxy"; url: string };

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

/** Parent → chain process: deploy for this relayer key and register the stub; then stop. */
export type ChainMessage = { type: "start"; relayer: Address; stubUrl: string } | { type: "stop" };

/** Chain process → parent. */
export type ChainProcessMessage =
  | { type: "chain"; rpcUrl: string; chainId: number; accounts: Address[]; deployment: Deployment }
  | { type: "error"; message: string };
