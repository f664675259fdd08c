import { describe, expect, it, vi } from "vitest";
import { type LogSource, pollLogs } from "./poll-logs";

const REGISTRY = "0x00000000000000000000000000000000000000aa";

/** A chain whose head the test moves; every block in a range asked for holds one log of the registry. */
function fakeChain(): LogSource & { head: bigint; ranges: [bigint, bigint][]; failNext: boolean } {
  const chain = {
    head: 10n,
    ranges: [] as [bigint, bigint][],
    failNext: false,
    async getBlockNumber() {
      if (chain.failNext) {
        chain.failNext = false;
        throw new Error("connection refused");
      }
      return chain.head;
    },
    async getLogs(args: { fromBlock: bigint; toBlock: bigint }) {
      chain.ranges.push([args.fromBlock, args.toBlock]);
      return Array.from({ length: Number(args.toBlock - args.fromBlock + 1n) }, (_, i) => args.fromBlock + BigInt(i));
    },
  };
  return chain;
}

const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("pollLogs", () => {
  it("reports logs of blocks after the start once each, and retries a failed poll from the same block", async () => {
    const chain = fakeChain();
    const seen: number[] = [];
    const stop = pollLogs({ client: chain, address: REGISTRY, intervalMs: 5, onLogs: (n) => seen.push(n) });
    await sleep(20);
    expect(chain.ranges).toEqual([]);
    chain.head = 12n;
    chain.failNext = true;
    await vi.waitFor(() => expect(chain.failNext).toBe(false));
    await vi.waitFor(() => expect(chain.ranges).toEqual([[11n, 12n]]));
    chain.head = 13n;
    await vi.waitFor(() => expect(chain.ranges).toHaveLength(2));
    stop();
    expect(chain.ranges).toEqual([
      [11n, 12n],
      [13n, 13n],
    ]);
    expect(seen).toEqual([2, 1]);
  });

  it("leaves no timer behind once stopped, also when stopped during a poll", async () => {
    const before = timers();
    const idle = pollLogs({ client: fakeChain(), address: REGISTRY, intervalMs: 2_000, onLogs: () => {} });
    await sleep(10);
    expect(timers()).toBe(before + 1);
    idle();
    expect(timers()).toBe(before);

    let answer: (head: bigint) => void = () => {};
    const slow: LogSource = {
      getBlockNumber: () => new Promise<bigint>((resolve) => (answer = resolve)),
      getLogs: async () => [],
    };
    const busy = pollLogs({ client: slow, address: REGISTRY, intervalMs: 2_000, onLogs: () => {} });
    busy();
    answer(1n);
    await sleep(10);
    expect(timers()).toBe(before);
  });
});
