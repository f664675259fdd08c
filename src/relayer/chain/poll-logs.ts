import type { Address } from "viem";

/** What the poller reads: a viem PublicClient has both. */
export type LogSource = {
  getBlockNumber(args: { cacheTime: number }): Promise<bigint>;
  getLogs(args: { address: Address; fromBlock: bigint; toBlock: bigint }): Promise<readonly unknown[]>;
};

export type PollLogsParameters = {
  client: LogSource;
  address: Address;
  intervalMs: number;
  /** Called after a poll that found logs of `address` in blocks not seen before. */
  onLogs: (count: number) => void;
};

/**
 * Polls `address`'s logs block range by block range, starting after the block current when called,
 * and returns the function that stops it. viem's watchContractEvent kept its next poll timer
 * after unwatching, which held a stopping process for a polling interval; here the one timer is
 * cleared by the stop function and a poll in flight schedules no other.
 * A failed poll is retried from the same block on the next one.
 */
export function pollLogs(params: PollLogsParameters): () => void {
  let next: bigint | null = null;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  async function poll(): Promise<void> {
    try {
      const latest = await params.client.getBlockNumber({ cacheTime: 0 });
      if (next === null) next = latest + 1n;
      else if (latest >= next) {
        const logs = await params.client.getLogs({ address: params.address, fromBlock: next, toBlock: latest });
        next = latest + 1n;
        if (logs.length > 0) params.onLogs(logs.length);
      }
    } catch {
      // The caller's own freshness bound (a TTL) covers the missed poll.
    }
    schedule();
  }

  function schedule(): void {
    if (!stopped) timer = setTimeout(() => void poll(), params.intervalMs);
  }

  // The first poll only marks where watching starts: logs of later blocks are the changes.
  void poll();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    timer = null;
  };
}
