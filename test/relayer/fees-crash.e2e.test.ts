import { type Address, type Hex, createPublicClient, http, parseUnits } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KhoReceiptJson, feeEscrowAbi, parseBatchFile, usageLedgerAbi } from "../../src/protocol";
import { type KhoClient, getEscrowAccount } from "../../src/sdk";
import { type ProcessWorld, startProcessWorld } from "./helpers/process-world";
import type { RelayerProcess } from "./helpers/relayer-process";

/**
 * Paid calls against a relayer process killed with SIGKILL while its payer's escrow runs out.
 * Reservations live in the store, so a kill between reserving and answering leaves one behind; the
 * restarted process must neither let the payer spend past its escrow nor keep the dead reservation
 * (which would refuse calls the payer paid for). Settlement on chain must charge exactly the fees of
 * the committed receipts, which include every acknowledged one.
 */

const PRICE = parseUnits("0.5", 18);
/** The deposit covers this many calls; the load asks for many more across the kills. */
const COVERED_CALLS = 30n;
const WORKERS = 8;
const MAX_REQUESTS_PER_CYCLE = 400;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type Outcome = { status: number; receipt?: KhoReceiptJson; code?: string };

describe("paid calls across SIGKILLs", () => {
  let world: ProcessWorld;
  let baseUrl: string;
  let apiKey: string;
  let payer: Address;
  let relayerAddress: Address;
  let ledger: Address;
  let escrow: Address;
  let payerClient: KhoClient;

  beforeAll(async () => {
    // Account 4 pays through its API key; the builder (2) prices the model.
    world = await startProcessWorld({
      models: [{ name: "pho-vi", price: PRICE }],
      apiKeyOwner: 4,
      payerDeposit: { account: 4, amount: PRICE * COVERED_CALLS },
      batchMaxReceipts: 4,
      userIdSalt: `0x${"44".repeat(32)}`,
    });
    ({ baseUrl, apiKey, relayerAddress } = world);
    const { contracts } = world.chain.deployment!;
    ledger = contracts.UsageLedger;
    escrow = contracts.FeeEscrow;
    payerClient = world.clientOf(4);
    payer = payerClient.account!.address;
  });

  afterAll(async () => {
    await world?.close();
  });

  const start = () => world.start();

  async function call(label: string): Promise<Outcome | null> {
    let res: Response;
    try {
      res = await fetch(`${baseUrl}/v1/chat/completions`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${apiKey}` },
        body: JSON.stringify({ model: "pho-vi", messages: [{ role: "user", content: label }] }),
        signal: AbortSignal.timeout(15_000),
      });
      const body = (await res.json()) as { kho_receipt?: KhoReceiptJson; error?: { code?: string } };
      return { status: res.status, receipt: body.kho_receipt, code: body.error?.code };
    } catch {
      // The process died under this request: it was never acknowledged.
      return null;
    }
  }

  /** `WORKERS` clients calling until the process dies (or the cap is reached). */
  async function load(child: RelayerProcess, cycle: number, outcomes: Outcome[]): Promise<void> {
    let gone = false;
    void child.exited.then(() => (gone = true));
    let sent = 0;
    const worker = async (w: number) => {
      while (!gone && sent < MAX_REQUESTS_PER_CYCLE) {
        sent++;
        const outcome = await call(`cycle ${cycle} worker ${w} call ${sent}`);
        if (outcome) outcomes.push(outcome);
        await sleep(15);
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  }

  it("never serves past the escrow, leaks no reservation, and settles exactly the committed fees", async () => {
    const pub = createPublicClient({ transport: http(world.chain.rpcUrl) });
    const outcomes: Outcome[] = [];
    const served = () => outcomes.filter((o) => o.status === 200).length;
    const refused = () => outcomes.filter((o) => o.code === "insufficient_balance").length;
    // Kill points by progress, not time (a loaded machine answers slowly): twice while the escrow
    // still covers calls, once after it ran out, each a little after the point so calls are in flight.
    const killWhen: (() => boolean)[] = [() => served() >= 8, () => served() >= 20, () => refused() >= 5];
    for (let cycle = 0; cycle < killWhen.length; cycle++) {
      const child = await start();
      const running = load(child, cycle, outcomes);
      for (let waited = 0; !killWhen[cycle]!() && waited < 60_000; waited += 20) await sleep(20);
      expect(killWhen[cycle]!(), `cycle ${cycle} made no progress in 60 s: ${child.stderr()}`).toBe(true);
      await sleep(30);
      expect(child.child.exitCode, `the relayer died on its own: ${child.stderr()}`).toBeNull();
      await child.kill("SIGKILL");
      await running;
    }

    // Every answer was a receipt or a clean refusal; the kills only ever cut connections.
    expect(outcomes.filter((o) => o.status !== 200 && o.code !== "insufficient_balance")).toEqual([]);
    const acked = outcomes.flatMap((o) => (o.status === 200 && o.receipt ? [o.receipt] : []));
    expect(acked.length).toBeGreaterThan(0);
    expect(BigInt(acked.length)).toBeLessThanOrEqual(COVERED_CALLS);
    for (const receipt of acked) {
      expect(BigInt(receipt.fee)).toBe(PRICE);
      expect(receipt.payer).toBe(payer);
    }

    // Last start: everything left is batched, committed and settled.
    await start();
    const lastBatchId = () =>
      pub.readContract({ address: ledger, abi: usageLedgerAbi, functionName: "lastBatchId", args: [relayerAddress] });
    const isSettled = (batchId: bigint) =>
      pub.readContract({
        address: escrow,
        abi: feeEscrowAbi,
        functionName: "isSettled",
        args: [relayerAddress, batchId],
      });
    let settledAll = false;
    for (let i = 0; i < 120 && !settledAll; i++) {
      const health = (await (await fetch(`${baseUrl}/health`)).json()) as {
        checks: { backlog: { unbatchedReceipts: number; pendingBatches: number } };
      };
      const last = await lastBatchId();
      const settled = await Promise.all(Array.from({ length: Number(last) }, (_, j) => isSettled(BigInt(j + 1))));
      settledAll =
        health.checks.backlog.unbatchedReceipts === 0 &&
        health.checks.backlog.pendingBatches === 0 &&
        settled.every(Boolean);
      if (!settledAll) await sleep(250);
    }
    expect(settledAll, "batches were still unbatched, pending or unsettled after 30 s").toBe(true);

    // What the batch files say was charged is what left the escrow, and it never exceeds the deposit.
    const committed = new Map<Hex, bigint>();
    for (let id = 1n; id <= (await lastBatchId()); id++) {
      const file = parseBatchFile(
        new Uint8Array(await (await fetch(`${baseUrl}/v1/batches/${relayerAddress}/${id}`)).arrayBuffer()),
      );
      for (const r of file.receipts) committed.set(r.hash, r.receipt.fee);
    }
    const charged = [...committed.values()].reduce((sum, fee) => sum + fee, 0n);
    const account = await getEscrowAccount(payerClient, { payer });
    expect(account.balance).toBe(PRICE * COVERED_CALLS - charged);
    expect(charged).toBeLessThanOrEqual(PRICE * COVERED_CALLS);
    expect(acked.filter((a) => !committed.has(a.hash)).map((a) => a.hash)).toEqual([]);

    // No reservation a kill left behind still holds funds: the payer can spend exactly what is left.
    const left = account.balance / PRICE;
    const extra = await Promise.all(Array.from({ length: Number(left) + 3 }, (_, i) => call(`after ${i}`)));
    expect(extra.filter((o) => o?.status === 200)).toHaveLength(Number(left));
    expect(extra.filter((o) => o?.code === "insufficient_balance")).toHaveLength(3);
  }, 180_000);
});
