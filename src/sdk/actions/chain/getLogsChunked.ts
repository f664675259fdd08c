import type { Abi, Address, GetContractEventsReturnType, PublicClient } from "viem";
import { KhoLogReadError } from "../../errors";

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
  if (chunk <= 0n) throw new KhoLogReadError(`Log chunk size ${chunk} must be positive.`);
  const out: GetContractEventsReturnType<abi, undefined, true> = [];
  for (let start = fromBlock; start <= toBlock; start += chunk) {
    const end = start + chunk - 1n < toBlock ? start + chunk - 1n : toBlock;
    try {
      const logs = await client.getContractEvents({ address, abi, fromBlock: start, toBlock: end, strict: true });
      out.push(...logs);
    } catch (cause) {
      throw new KhoLogReadError(`Cannot read events of ${address} in blocks ${start}..${end}.`, { cause });
    }
  }
  // Providers return logs in order, but nothing in JSON-RPC promises it across calls.
  out.sort((a, b) =>
    a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
  );
  return out;
}
