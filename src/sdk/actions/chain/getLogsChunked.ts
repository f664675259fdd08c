import type { Abi, Address, GetContractEventsReturnType, PublicClient } from "viem";
import { RewardsPipelineError } from "./errors";

/** Blocks per eth_getLogs call: public RPCs cap ranges (often 10k blocks) or result sizes. */
export const DEFAULT_LOG_CHUNK = 5_000n;

export type GetLogsChunkedParameters<abi extends Abi> = {
  address: Address;
  abi: abi;
  fromBlock: bigint;
  toBlock: bigint;
  chunk?: bigint;
};

/** Every decoded event of `abi` at `address` in [fromBlock, toBlock], in chain order. */
export async function getLogsChunked<const abi extends Abi>(
  client: PublicClient,
  parameters: GetLogsChunkedParameters<abi>,
): Promise<GetContractEventsReturnType<abi, undefined, true>> {
  const { address, abi, fromBlock, toBlock, chunk = DEFAULT_LOG_CHUNK } = parameters;
  if (chunk <= 0n) throw new RewardsPipelineError(`Log chunk size ${chunk} must be positive.`);
  const out: GetContractEventsReturnType<abi, undefined, true> = [];
  for (let start = fromBlock; start <= toBlock; start += chunk) {
    const end = start + chunk - 1n < toBlock ? start + chunk - 1n : toBlock;
    try {
      const logs = await client.getContractEvents({ address, abi, fromBlock: start, toBlock: end, strict: true });
      out.push(...logs);
    } catch (cause) {
      throw new RewardsPipelineError(`Cannot read events of ${address} in blocks ${start}..${end}.`, { cause });
    }
  }
  // Providers return logs in order, but nothing in JSON-RPC promises it across calls.
  out.sort((a, b) =>
    a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
  );
  return out;
}

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
