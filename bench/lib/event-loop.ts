import { type IntervalHistogram, monitorEventLoopDelay } from "node:perf_hooks";
import { round } from "./stats";

/** How late this process's event loop ran its timers while a phase ran (ms). */
export type EventLoopDelay = { p50: number; p99: number; max: number; mean: number };

/**
 * Watches this process's event-loop delay from now until `stop()`. Unlike request latency, which
 * also counts the time the process waits for a core, this is the time the loop itself was blocked
 * by synchronous work (plus scheduler delay of that one thread), so it is the figure to argue with
 * on a shared machine.
 */
export function watchEventLoop(): { stop(): EventLoopDelay } {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 2 });
  histogram.enable();
  return {
    stop() {
      histogram.disable();
      const ms = (ns: number) => round(ns / 1e6);
      return {
        p50: ms(histogram.percentile(50)),
        p99: ms(histogram.percentile(99)),
        max: ms(histogram.max),
        mean: ms(histogram.mean),
      };
    },
  };
}
