import type { Address, Hex } from "viem";
import { keccak256, toHex } from "viem";
import { type BatchHeader, type LedgerDomain, hashBatchHeader } from "../../../src/protocol";
import type {
  EpochSchedule,
  LedgerClient,
  SubmitBatchParameters,
  TransactionOutcome,
} from "../../../src/relayer/ports";

/**
 * In-memory stand-in for UsageLedger with the contract's batch rules (contiguous ids from 1,
 * non-zero root, count > 0, epoch submission window), for tests that need no chain.
 */
export class FakeLedger implements LedgerClient {
  readonly batches = new Map<bigint, BatchHeader & { dataURI: string }>();
  time: bigint;
  reachable = true;
  balanceWei = 10n ** 18n;
  /** Transactions broadcast but whose effect is applied only when mined. */
  private readonly txs = new Map<Hex, { status: "success" | "reverted" }>();
  private nonce = 0;

  constructor(
    readonly relayer: Address,
    readonly domain: LedgerDomain,
    readonly schedule: EpochSchedule,
    startTime: bigint,
  ) {
    this.time = startTime;
  }

  private check(): void {
    if (!this.reachable) throw new Error("fetch failed: connect ECONNREFUSED 127.0.0.1:8545");
  }

  async chainTime(): Promise<bigint> {
    this.check();
    return this.time;
  }

  async lastBatchId(): Promise<bigint> {
    this.check();
    return BigInt(this.batches.size);
  }

  async batchCommitment(batchId: bigint): Promise<Hex | null> {
    this.check();
    const b = this.batches.get(batchId);
    return b ? hashBatchHeader(b) : null;
  }

  async submitBatch(p: SubmitBatchParameters): Promise<{ txHash: Hex; nonce: number }> {
    this.check();
    const nonce = this.nonce++;
    const txHash = keccak256(toHex(`tx-${nonce}-${p.batchId}`));
    const opens = this.schedule.genesis + p.epoch * this.schedule.length;
    const closes = opens + this.schedule.length + this.schedule.batchGracePeriod;
    const ok =
      p.batchId === BigInt(this.batches.size) + 1n &&
      BigInt(p.root) !== 0n &&
      p.count > 0 &&
      this.time >= opens &&
      this.time < closes;
    if (ok)
      this.batches.set(p.batchId, {
        root: p.root,
        dataHash: p.dataHash,
        epoch: p.epoch,
        count: p.count,
        dataURI: p.dataURI,
      });
    this.txs.set(txHash, { status: ok ? "success" : "reverted" });
    return { txHash, nonce };
  }

  async waitForTransaction(txHash: Hex): Promise<TransactionOutcome> {
    this.check();
    return this.txs.get(txHash)?.status ?? "dropped";
  }

  async balance(): Promise<bigint> {
    this.check();
    return this.balanceWei;
  }
}
