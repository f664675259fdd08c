import type { PublicClient } from "viem";

/** Caches block timestamps: many events share a block, and a block never changes once final. */
export class BlockClock {
  private readonly cache = new Map<bigint, Promise<bigint>>();
  constructor(private readonly client: PublicClient) {}

  timestamp(blockNumber: bigint): Promise<bigint> {
    let hit = this.cache.get(blockNumber);
    if (!hit) {
      hit = this.client.getBlock({ blockNumber }).then((b) => b.timestamp);
      this.cache.set(blockNumber, hit);
    }
    return hit;
  }

  /** Timestamps for many blocks, at most `concurrency` requests in flight. */
  async timestamps(blockNumbers: Iterable<bigint>, concurrency = 8): Promise<Map<bigint, bigint>> {
    const unique = [...new Set(blockNumbers)];
    const result = new Map<bigint, bigint>();
    let next = 0;
    const worker = async () => {
      while (next < unique.length) {
        const n = unique[next++]!;
        result.set(n, await this.timestamp(n));
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, unique.length) }, worker));
    return result;
  }

  /**
   * The last block in [fromBlock, toBlock] whose timestamp is < `before`, or null when even
   * `fromBlock` is not. Binary search: block timestamps never decrease.
   */
  async lastBlockBefore(before: bigint, fromBlock: bigint, toBlock: bigint): Promise<bigint | null> {
    if ((await this.timestamp(fromBlock)) >= before) return null;
    let lo = fromBlock;
    let hi = toBlock;
    while (lo < hi) {
      const mid = (lo + hi + 1n) / 2n;
      if ((await this.timestamp(mid)) < before) lo = mid;
      else hi = mid - 1n;
    }
    return lo;
  }
}
