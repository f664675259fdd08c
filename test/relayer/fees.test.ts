import request from "supertest";
import { type Address, getAddress, keccak256, parseUnits, toBytes } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { inferenceRequestTypes, parseBatchFile, usageLedgerDomain } from "../../src/protocol";
import { canonicalJson } from "../../src/protocol/canonical-json";
import { createApiKey } from "../../src/relayer/auth/api-keys";
import { CHAIN_ID, LEDGER, type TestRelayer, createTestBatcher, startTestRelayer } from "./helpers/test-app";

const owner = getAddress("0x00000000000000000000000000000000000000aa");
const operator = getAddress("0x00000000000000000000000000000000000000c1");
const messages = [{ role: "user", content: "Bao nhiêu tiền?" }];
const PRICE = parseUnits("0.5", 18);

describe("paid calls", () => {
  let r: TestRelayer;
  let key: string;
  beforeEach(async () => {
    r = await startTestRelayer();
    key = (await createApiKey(r.store, { owner, label: "test" })).key;
    r.directory.prices.set(1n, PRICE);
  });
  afterEach(() => r.close());

  const post = (headers: Record<string, string> = { Authorization: `Bearer ${key}` }) =>
    request(r.app)
      .post("/v1/chat/completions")
      .set("Content-Type", "application/json")
      .set(headers)
      .send(JSON.stringify({ model: "pho-vi", messages }));

  it("refuses a payer who cannot cover the price with 402 insufficient_balance, no receipt and no upstream call", async () => {
    r.escrow.deposit(owner, parseUnits("0.3", 18));
    const res = await post();
    expect(res.status).toBe(402);
    expect(res.body).toEqual({
      error: {
        message: `${owner} has 0.3 KHO available in FeeEscrow but this call costs 0.5 KHO; deposit more and retry.`,
        type: "invalid_request_error",
        param: null,
        code: "insufficient_balance",
      },
    });
    expect(r.upstream.calls).toHaveLength(0);
    expect((await r.store.receipts.countByStatus()).unbatched).toBe(0);
    expect(await r.store.fees.unsettledSpend(owner)).toBe(0n);
  });

  it("charges the price at serving time in the receipt, and counts it as unsettled spend", async () => {
    r.escrow.deposit(owner, parseUnits("1", 18));
    const res = await post();
    expect(res.status).toBe(200);
    expect(res.body.kho_receipt.fee).toBe(PRICE.toString());
    expect(res.body.kho_receipt.payer).toBe(owner);
    expect(await r.store.fees.unsettledSpend(owner)).toBe(PRICE);
    r.directory.prices.set(1n, parseUnits("0.25", 18));
    const cheaper = await post();
    expect(cheaper.body.kho_receipt.fee).toBe(parseUnits("0.25", 18).toString());
    // 1 KHO − 0.5 − 0.25 leaves 0.25: one more call at 0.5 is refused.
    r.directory.prices.set(1n, PRICE);
    expect((await post()).body.error.message).toBe(
      `${owner} has 0.25 KHO available in FeeEscrow but this call costs 0.5 KHO; deposit more and retry.`,
    );
  });

  it("serves exactly as many of 50 concurrent calls as the balance covers", async () => {
    r.escrow.deposit(owner, PRICE * 10n + PRICE / 2n);
    const results = await Promise.all(Array.from({ length: 50 }, () => post()));
    const statuses = results.map((res) => res.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 402)).toHaveLength(40);
    expect(r.upstream.calls).toHaveLength(10);
    expect((await r.store.receipts.countByStatus()).unbatched).toBe(10);
    expect(await r.store.fees.unsettledSpend(owner)).toBe(PRICE * 10n);
  });

  it("releases the reservation when the upstream fails: no fee for nothing delivered", async () => {
    r.escrow.deposit(owner, PRICE);
    r.upstream.behavior = { status: 500, body: { error: "boom" } };
    expect((await post()).status).toBe(502);
    expect(await r.store.fees.unsettledSpend(owner)).toBe(0n);
    r.upstream.behavior = { status: 200 };
    expect((await post()).status).toBe(200);
  });

  it("never reads the escrow for a free model", async () => {
    r.directory.prices.set(1n, 0n);
    r.escrow.reachable = false;
    const res = await post();
    expect(res.status).toBe(200);
    expect(res.body.kho_receipt.fee).toBe("0");
    expect(r.escrow.reads).toBe(0);
  });

  it("answers 503 escrow_unavailable when the balance cannot be read, and forwards nothing", async () => {
    r.escrow.reachable = false;
    const res = await post();
    expect([res.status, res.body.error.code]).toEqual([503, "escrow_unavailable"]);
    expect(r.upstream.calls).toHaveLength(0);
  });

  describe("wallet-signed requests", () => {
    const wallet = privateKeyToAccount(generatePrivateKey());
    async function walletHeaders(nonce: bigint, maxFee: bigint): Promise<Record<string, string>> {
      const message = {
        user: wallet.address,
        modelId: 1n,
        inputHash: keccak256(toBytes(canonicalJson({ messages }))),
        nonce,
        deadline: r.clock.t + 60n,
        maxFee,
      };
      const signature = await wallet.signTypedData({
        domain: usageLedgerDomain(CHAIN_ID, LEDGER),
        types: inferenceRequestTypes,
        primaryType: "InferenceRequest",
        message,
      });
      return {
        "X-Kho-User": wallet.address,
        "X-Kho-Nonce": nonce.toString(),
        "X-Kho-Deadline": message.deadline.toString(),
        "X-Kho-Max-Fee": maxFee.toString(),
        "X-Kho-Signature": signature,
      };
    }

    it("refuses a maxFee below the price with 402 max_fee_too_low and frees the nonce", async () => {
      r.escrow.deposit(wallet.address, parseUnits("5", 18));
      const res = await post(await walletHeaders(1n, PRICE - 1n));
      expect(res.status).toBe(402);
      expect(res.body).toEqual({
        error: {
          message: "This model costs 0.5 KHO per call, more than the signed maxFee of 0.499999999999999999 KHO.",
          type: "invalid_request_error",
          param: null,
          code: "max_fee_too_low",
        },
      });
      expect(r.upstream.calls).toHaveLength(0);
      expect((await r.store.receipts.countByStatus()).unbatched).toBe(0);
      const paid = await post(await walletHeaders(1n, PRICE));
      expect(paid.status).toBe(200);
      expect(paid.body.kho_receipt.fee).toBe(PRICE.toString());
      expect(paid.body.kho_receipt.payer).toBe(wallet.address);
    });
  });

  it("settles each batch's fees after it is committed, once, and then frees the payer's spend", async () => {
    const other = privateKeyToAccount(generatePrivateKey()).address;
    const otherKey = (await createApiKey(r.store, { owner: other, label: "other" })).key;
    r.escrow.deposit(owner, PRICE * 3n);
    r.escrow.deposit(other, PRICE);
    for (let i = 0; i < 3; i++) expect((await post()).status).toBe(200);
    expect((await post({ Authorization: `Bearer ${otherKey}` })).status).toBe(200);
    expect((await post()).status).toBe(402);

    const { batcher, metrics } = createTestBatcher(r, { maxReceipts: 100, maxAgeSeconds: 0 });
    await batcher.flush();
    expect(batcher.lastError()).toBeNull();
    const file = parseBatchFile((await r.store.batches.file(r.ledger.relayer, 1n))!);
    const sorted = [owner, other].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1)) as Address[];
    const amounts = new Map([
      [owner, PRICE * 3n],
      [other, PRICE],
    ]);
    expect(file.settlement).toEqual({
      charges: sorted.map((payer) => ({ payer, amount: amounts.get(payer) })),
      credits: [{ operator, amount: PRICE * 4n }],
    });
    // The settlement names the header the ledger committed (FeeEscrow checks it against batchCommitment).
    const onChain = r.ledger.batches.get(1n)!;
    const batch = { epoch: onChain.epoch, root: onChain.root, count: onChain.count, dataHash: onChain.dataHash };
    expect(r.escrow.settled).toEqual([{ batchId: 1n, batch, ...file.settlement }]);
    expect(r.escrow.balances.get(owner)).toBe(0n);
    expect(r.escrow.credited.get(operator)).toBe(PRICE * 4n);
    expect(await r.store.fees.unsettledSpend(owner)).toBe(0n);
    expect(await r.store.fees.isSettled(r.ledger.relayer, 1n)).toBe(true);
    expect((await metrics.registry.getSingleMetric("kho_relayer_fees_settled_kho_total")!.get()).values[0]!.value).toBe(
      2,
    );

    // Nothing is settled twice; a new deposit is spendable once the cached balance is stale.
    await batcher.flush();
    expect(r.escrow.settled).toHaveLength(1);
    r.escrow.deposit(owner, PRICE);
    expect((await post()).status).toBe(200);
  });

  it("treats a replayed settlement (sent before a crash, not recorded) as settled", async () => {
    r.escrow.deposit(owner, PRICE);
    expect((await post()).status).toBe(200);
    const { batcher } = createTestBatcher(r, { maxReceipts: 100, maxAgeSeconds: 0 });
    await batcher.flush();
    // Forget the local record, as if the process died between the mined transaction and the write.
    r.store.db.prepare("DELETE FROM batch_settlements").run();
    expect(await r.store.fees.unsettledSpend(owner)).toBe(PRICE);
    await batcher.flush();
    expect(batcher.lastError()).toBeNull();
    expect(r.escrow.settled).toHaveLength(1);
    expect(await r.store.fees.unsettledSpend(owner)).toBe(0n);
  });
});
