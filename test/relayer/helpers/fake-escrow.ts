import { type Address, type Hex, getAddress, keccak256, toHex } from "viem";
import type { FeeEscrowClient, SettleBatchParameters, SettleBatchReturnType } from "../../../src/relayer/ports";

/**
 * In-memory stand-in for FeeEscrow with the contract's settlement rules (Σ charges = Σ credits,
 * charges bounded by the balance, once per batch id), for tests that need no chain.
 */
export class FakeEscrow implements FeeEscrowClient {
  readonly balances = new Map<Address, bigint>();
  readonly credited = new Map<Address, bigint>();
  readonly settled: SettleBatchParameters[] = [];
  reads = 0;
  reachable = true;

  deposit(payer: Address, amount: bigint): void {
    const key = getAddress(payer);
    this.balances.set(key, (this.balances.get(key) ?? 0n) + amount);
  }

  async availableOf(payer: Address): Promise<bigint> {
    this.reads += 1;
    if (!this.reachable) throw new Error("fetch failed: connect ECONNREFUSED 127.0.0.1:8545");
    return this.balances.get(getAddress(payer)) ?? 0n;
  }

  async settleBatch(params: SettleBatchParameters): Promise<SettleBatchReturnType> {
    if (!this.reachable) throw new Error("fetch failed: connect ECONNREFUSED 127.0.0.1:8545");
    if (this.settled.some((s) => s.batchId === params.batchId)) return { outcome: "already_settled", txHash: null };
    const charged = params.charges.reduce((sum, c) => sum + c.amount, 0n);
    const credited = params.credits.reduce((sum, c) => sum + c.amount, 0n);
    if (charged !== credited) throw new Error(`charges ${charged} != credits ${credited}`);
    for (const c of params.charges) {
      const balance = this.balances.get(getAddress(c.payer)) ?? 0n;
      if (balance < c.amount) throw new Error(`payer ${c.payer} has ${balance} < ${c.amount}`);
    }
    for (const c of params.charges)
      this.balances.set(getAddress(c.payer), this.balances.get(getAddress(c.payer))! - c.amount);
    for (const c of params.credits) {
      this.credited.set(getAddress(c.operator), (this.credited.get(getAddress(c.operator)) ?? 0n) + c.amount);
    }
    this.settled.push(params);
    const txHash: Hex = keccak256(toHex(`settle-${params.batchId}`));
    return { outcome: "settled", txHash };
  }
}
