import { RelayerError } from "../errors";
import type { Clock } from "../ports";

export type ChainClockParameters = {
  /** Reads the latest block's timestamp (unix seconds). */
  readBlockTime: () => Promise<bigint>;
  /** How often the latest block is read while running (ms, default 2000). */
  refreshMs?: number;
  /**
   * How long the estimate may run on without a successful read before receipts are refused
   * (seconds, default 600): a monotonic timer does not drift much, but an outage this long means
   * nothing the relayer signs could be committed in time anyway.
   */
  maxStaleSeconds?: number;
  /** Monotonic nanoseconds (default process.hrtime.bigint); injected by tests. */
  monotonicNs?: () => bigint;
  /** Machine wall clock in ms (default Date.now); only used to report skew, never to date anything. */
  wallClockMs?: () => number;
};

export type ChainClockStatus = {
  /** Whether a block time was ever read. */
  known: boolean;
  /** The current estimate of the chain's time, or null before the first read. */
  chainTime: bigint | null;
  /** Seconds since the last successful read, or null before the first one. */
  lastReadAgeSeconds: number | null;
  /** Chain estimate minus the machine clock (seconds); positive when the chain runs ahead. */
  skewSeconds: number | null;
  /** Why the last read failed, or null when it succeeded. */
  lastError: string | null;
};

const NS_PER_S = 1_000_000_000n;

/**
 * The relayer's one clock: the chain's. It keeps the latest block time it has seen and advances it
 * with a monotonic timer between reads, so receipts, epochs and batch windows are judged by the
 * clock UsageLedger uses, whatever the machine's wall clock says. The estimate never runs ahead of
 * the chain's real time by more than block-time jitter (each anchor is a block already produced),
 * and it never goes backwards: a fresh block older than the running estimate (an idle chain that
 * mines only on demand) does not pull it back.
 */
export class ChainClock implements Clock {
  private anchor: { chainTime: bigint; monotonic: bigint } | null = null;
  private lastReadAt: bigint | null = null;
  private error: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly monotonic: () => bigint;
  private readonly wallClockMs: () => number;
  private readonly maxStaleSeconds: number;

  constructor(private readonly params: ChainClockParameters) {
    this.monotonic = params.monotonicNs ?? (() => process.hrtime.bigint());
    this.wallClockMs = params.wallClockMs ?? Date.now;
    this.maxStaleSeconds = params.maxStaleSeconds ?? 600;
  }

  private estimate(): bigint | null {
    if (!this.anchor) return null;
    return this.anchor.chainTime + (this.monotonic() - this.anchor.monotonic) / NS_PER_S;
  }

  /** The chain's time now (unix seconds); 503 chain_unavailable when it was never read or is too stale. */
  now(): bigint {
    const estimate = this.estimate();
    const age = this.lastReadAgeSeconds();
    if (estimate === null || age === null) {
      throw new RelayerError("chain_unavailable", "The relayer has not reached the chain yet; retry shortly.", {
        retryAfterSeconds: 5,
      });
    }
    if (age > this.maxStaleSeconds) {
      throw new RelayerError(
        "chain_unavailable",
        `The relayer has not reached the chain for ${age} s, so it cannot date receipts; retry later.`,
        { retryAfterSeconds: 30 },
      );
    }
    return estimate;
  }

  /** Feeds a block timestamp seen elsewhere (a registry read, a mined batch): the estimate only moves forward. */
  observe(blockTime: bigint): void {
    const estimate = this.estimate();
    if (estimate === null || blockTime > estimate) this.anchor = { chainTime: blockTime, monotonic: this.monotonic() };
  }

  /** Reads the latest block once; false (and the reason kept for /health) when the chain is unreachable. */
  async refresh(): Promise<boolean> {
    try {
      const blockTime = await this.params.readBlockTime();
      this.observe(blockTime);
      this.lastReadAt = this.monotonic();
      this.error = null;
      return true;
    } catch (error) {
      this.error = error instanceof Error ? error.message.split("\n")[0]! : String(error);
      return false;
    }
  }

  private lastReadAgeSeconds(): number | null {
    return this.lastReadAt === null ? null : Number((this.monotonic() - this.lastReadAt) / NS_PER_S);
  }

  status(): ChainClockStatus {
    const chainTime = this.estimate();
    return {
      known: chainTime !== null,
      chainTime,
      lastReadAgeSeconds: this.lastReadAgeSeconds(),
      skewSeconds: chainTime === null ? null : Number(chainTime) - Math.floor(this.wallClockMs() / 1000),
      lastError: this.error,
    };
  }

  /** Reads the chain every refreshMs until stop(); the timer never keeps the process alive. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.refresh(), this.params.refreshMs ?? 2_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
