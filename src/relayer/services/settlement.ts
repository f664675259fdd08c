import type { Logger } from "pino";
import { type Address, formatUnits } from "viem";
import { type BatchHeader, type BatchSettlement, TOKEN_DECIMALS, formatKho } from "../../protocol";
import type { RelayerMetrics } from "../metrics";
import type { FeeEscrowClient } from "../ports";
import type { RelayerStore } from "../store";
import { batchFileSettlement } from "./batch-file";

export type SettleConfirmedBatchesDeps = {
  store: RelayerStore;
  escrow: FeeEscrowClient;
  relayer: Address;
  logger: Logger;
  metrics: RelayerMetrics;
  /** Reads a stored file's settlement (the relayer's batch-builder worker); inline without it. */
  settlementOf?: (bytes: Uint8Array) => Promise<BatchSettlement>;
};

/**
 * Settles the fees of every confirmed, unsettled batch in FeeEscrow, lowest id first, with the
 * charges and credits written in its committed batch file. Each settlement is recorded in the
 * store after its transaction was mined, so a crash in between only repeats the call, which the
 * escrow refuses as a replay ("already_settled"): a batch is never charged twice. Batches without
 * fees are recorded settled without a transaction.
 */
export async function settleConfirmedBatches(deps: SettleConfirmedBatchesDeps): Promise<void> {
  const { store, escrow, relayer, logger, metrics } = deps;
  for (const { batchId } of await store.fees.unsettledBatches(relayer)) {
    const bytes = await store.batches.file(relayer, batchId);
    if (bytes === null) throw new Error(`confirmed batch ${batchId} has no stored file`);
    const { charges, credits } = deps.settlementOf ? await deps.settlementOf(bytes) : batchFileSettlement(bytes);
    const total = charges.reduce((sum, c) => sum + c.amount, 0n);
    const at = Math.floor(Date.now() / 1000);
    if (total === 0n) {
      await store.fees.markSettled(relayer, batchId, 0n, null, at);
      continue;
    }
    let settled;
    try {
      settled = await escrow.settleBatch({
        batchId,
        batch: await committedHeader(store, relayer, batchId),
        charges,
        credits,
      });
    } catch (error) {
      metrics.settlementErrors.inc();
      throw error;
    }
    await store.fees.markSettled(relayer, batchId, total, settled.txHash, at);
    if (settled.outcome === "settled") {
      metrics.batchesSettled.inc();
      metrics.feesSettled.inc(Number(formatUnits(total, TOKEN_DECIMALS)));
    }
    logger.info(
      { batchId: batchId.toString(), total: formatKho(total), payers: charges.length, txHash: settled.txHash },
      settled.outcome === "settled" ? "batch fees settled" : "batch fees were already settled",
    );
  }
}

/** The header the ledger committed for a confirmed batch (FeeEscrow checks it against the ledger's hash). */
async function committedHeader(store: RelayerStore, relayer: Address, batchId: bigint): Promise<BatchHeader> {
  const stored = await store.batches.get(relayer, batchId);
  if (stored === null) throw new Error(`confirmed batch ${batchId} has no stored record`);
  return { epoch: stored.epoch, root: stored.root, count: stored.count, dataHash: stored.dataHash };
}
