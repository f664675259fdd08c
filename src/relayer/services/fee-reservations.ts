import type { Address, Hex } from "viem";
import { formatKho } from "../../protocol";
import { type Caller, callerPayer } from "../auth/caller";
import { RelayerError } from "../errors";
import type { RelayerMetrics } from "../metrics";
import type { Clock, FeeEscrowClient } from "../ports";
import type { RelayerStore } from "../store";
import type { ReceiptWriter } from "../store/receipt-writer";

export type FeeReservationsDeps = {
  store: RelayerStore;
  /** Group-commits each check-and-reserve step with other requests' writes. */
  receiptWriter: ReceiptWriter;
  escrow: FeeEscrowClient;
  clock: Clock;
  metrics: RelayerMetrics;
  /** How long an escrow balance read from the chain is reused (ms). */
  balanceTtlMs: number;
  /** This process's name on its reservations (its relayer address), so its restart drops only them. */
  owner: string;
};

export type ReserveFeeParameters = { requestId: Hex; caller: Caller; price: bigint };

/**
 * Makes sure a call is paid for before it is forwarded. The price is reserved against the payer's
 * FeeEscrow balance minus what this relayer has not settled yet (reservations in flight and fees of
 * receipts not in a settled batch, on every replica sharing the store), checked and written in one
 * transaction holding the payer's lock, so concurrent calls on any replica cannot spend the same
 * balance twice. The reservation is dropped when the call fails, and turns
 * into the receipt's fee in the transaction that stores the receipt.
 *
 * The balance is cached briefly: a deposit is seen within the TTL. A thaw seen late cannot
 * overdraw the escrow, because a settlement may draw on thawing funds for calls reserved before.
 */
export class FeeReservations {
  /**
   * Balances by payer, tagged with the number of settlements recorded when they were read: once a
   * settlement is recorded its charges stop counting as unsettled spend, so a balance read before
   * it landed on-chain would overstate what the payer can spend.
   */
  private readonly balances = new Map<Address, { readAt: number; settlements: number; available: Promise<bigint> }>();

  constructor(private readonly deps: FeeReservationsDeps) {}

  /**
   * Reserves `price` for the call; free calls reserve nothing and never read the escrow.
   * @throws RelayerError `max_fee_too_low` (a wallet signed less than the price),
   *   `insufficient_balance`, or `escrow_unavailable` (the balance could not be read).
   */
  async reserve(params: ReserveFeeParameters): Promise<void> {
    const { requestId, caller, price } = params;
    if (caller.kind === "wallet" && caller.maxFee < price) {
      this.deps.metrics.paymentRejections.inc({ reason: "max_fee_too_low" });
      throw new RelayerError(
        "max_fee_too_low",
        `This model costs ${formatKho(price)} per call, more than the signed maxFee of ${formatKho(caller.maxFee)}.`,
      );
    }
    if (price === 0n) return;
    const payer = callerPayer(caller);
    const { store } = this.deps;
    let spendable = 0n;
    let stale = true;
    while (stale) {
      const settlements = await store.fees.settlementCount();
      const available = await this.availableOf(payer, settlements);
      await this.deps.receiptWriter.submit(async (tx) => {
        await tx.fees.lockPayer(payer);
        // A settlement recorded since the read lowered the unsettled spend but maybe not `available`.
        stale = (await tx.fees.settlementCount()) !== settlements;
        if (stale) return;
        spendable = available - (await tx.fees.unsettledSpend(payer));
        if (spendable >= price) {
          await tx.fees.reserve(requestId, payer, price, this.deps.owner, Number(this.deps.clock.now()));
        }
      });
    }
    if (spendable < price) {
      this.deps.metrics.paymentRejections.inc({ reason: "insufficient_balance" });
      throw new RelayerError(
        "insufficient_balance",
        `${payer} has ${formatKho(spendable > 0n ? spendable : 0n)} available in FeeEscrow but this call costs ` +
          `${formatKho(price)}; deposit more and retry.`,
      );
    }
  }

  /** Drops a failed call's reservation (a no-op when there was none). */
  release(requestId: Hex): Promise<void> {
    return this.deps.store.fees.release(requestId);
  }

  private availableOf(payer: Address, settlements: number): Promise<bigint> {
    const cached = this.balances.get(payer);
    if (cached && cached.settlements === settlements && Date.now() - cached.readAt < this.deps.balanceTtlMs) {
      return cached.available;
    }
    const available = this.deps.escrow.availableOf(payer).catch((error: unknown) => {
      this.balances.delete(payer);
      throw new RelayerError("escrow_unavailable", "The payer's FeeEscrow balance could not be read; retry shortly.", {
        cause: error,
      });
    });
    this.balances.set(payer, { readAt: Date.now(), settlements, available });
    return available;
  }
}
