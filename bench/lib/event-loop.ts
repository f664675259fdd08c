import fs from "node:fs";
import { type IntervalHistogram, monitorEventLoopDelay } from "node:perf_hooks";
import { round } from "./stats";

/**
 * How late this process's event loop ran its timers while a phase ran (ms), and the CPU time the
 * main thread itself used meanwhile (ms; null where the OS does not report it per thread). CPU
 * times are what a phase costs whatever else runs on the machine; delays and wall times are not.
 */
export type EventLoopDelay = {
  p50: number;
  p99: number;
  max: number;
  mean: number;
  mainThreadCpuMs: number | null;
  /** CPU time of the whole process meanwhile (every thread: workers included), ms. */
  processCpuMs: number;
};

/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on every Linux build Node runs on). */
const USER_HZ = 100;

/**
 * CPU time (user + system, ms) of this process's main thread so far, from /proc on Linux: unlike
 * process.cpuUsage(), it leaves out the worker threads, and unlike wall time it does not grow
 * while the thread waits for a core on a shared machine. Null elsewhere.
 */
function mainThreadCpuMs(): number | null {
  try {
    const stat = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
    // Fields after the parenthesized command name; utime and stime are fields 14 and 15 of the line.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
  } catch {
    return null;
  }
}

/**
 * Watches this process's event-loop delay from now until `stop()`. Unlike request latency, which
 * also counts the time the process waits for a core, this is the time the loop itself was blocked
 * by synchronous work (plus scheduler delay of that one thread), so it is the figure to argue with
 * on a shared machine.
 */
export function watchEventLoop(): { stop(): EventLoopDelay } {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 2 });
  histogram.enable();
  const cpuAtStart = mainThreadCpuMs();
  const processAtStart = process.cpuUsage();
  return {
    stop() {
      histogram.disable();
      const cpu = mainThreadCpuMs();
      const processUsed = process.cpuUsage(processAtStart);
      const ms = (ns: number) => round(ns / 1e6);
      return {
        p50: ms(histogram.percentile(50)),
        p99: ms(histogram.percentile(99)),
        max: ms(histogram.max),
        mean: ms(histogram.mean),
        mainThreadCpuMs: cpu === null || cpuAtStart === null ? null : round(cpu - cpuAtStart),
        processCpuMs: round((processUsed.user + processUsed.system) / 1000),
      };
    },
  };
}
