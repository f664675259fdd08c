import pino from "pino";
import { type Address, createPublicClient, http, keccak256, parseEventLogs, parseUnits } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { feeEscrowAbi, khoTokenAbi, parseBatchFile } from "../../src/protocol";
import { type RelayerConfig, loadRelayerConfig } from "../../src/relayer/config";
import { type RunningRelayer, startRelayer } from "../../src/relayer/server";
import { openStore } from "../../src/relayer/store";
import { deposit, mint } from "../../src/sdk";
import { type ProcessWorld, startProcessWorld } from "./helpers/process-world";

const PRICE = parseUnits("0.5", 18);
/** The account paying for calls through its API key. */
const PAYER = 4;

describe("paid calls against a local chain", () => {
  let world: ProcessWorld;
  let relayer: RunningRelayer;
  let config: RelayerConfig;
  let payer: Address;
  let operator: Address;
  const logger = pino({ level: process.env.KHO_TEST_LOG_LEVEL ?? "silent" });
  const pub = () => createPublicClient({ transport: http(world.chain.rpcUrl) });
  /** Tokens minted to the payer and deposited by it: paying again after the escrow ran out. */
  const topUp = async (amount: bigint) => {
    await mint(world.clientOf(0), { to: payer, amount });
    await deposit(world.clientOf(PAYER), { amount });
  };

  beforeAll(async () => {
    // The payer's API key calls the builder's priced model, served by the operator (account 3).
    world = await startProcessWorld({
      models: [{ name: "pho-vi", price: PRICE }],
      apiKeyOwner: PAYER,
      payerDeposit: { account: PAYER, amount: PRICE * 4n },
      batchMaxReceipts: 256,
      userIdSalt: `0x${"22".repeat(32)}`,
      // Batches are sealed by the test (flush), and every call reads the escrow balance afresh.
      env: { KHO_BATCH_MAX_AGE_SECONDS: "3600", KHO_ESCROW_BALANCE_CACHE_MS: "0" },
    });
    payer = world.chain.accounts[PAYER]!.address;
    operator = world.chain.accounts[3]!.address;
    config = loadRelayerConfig(world.env);
    relayer = await startRelayer(config, { logger, batcherTickMs: 60_000 });
  });

  afterAll(async () => {
    await relayer?.close();
    await world?.close();
  });

  const call = async () => {
    const res = await fetch(`${relayer.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${world.apiKey}` },
      body: JSON.stringify({ model: "pho-vi", messages: [{ role: "user", content: "Canh chua?" }] }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  const tokenBalance = (who: Address) =>
    pub().readContract({
      address: world.chain.deployment!.contracts.KhoToken,
      abi: khoTokenAbi,
      functionName: "balanceOf",
      args: [who],
    });

  it("charges priced calls, refuses the unpaid one, and settles the batch to the wei", async () => {
    const { contracts } = world.chain.deployment!;
    const escrowAccount = () =>
      pub().readContract({ address: contracts.FeeEscrow, abi: feeEscrowAbi, functionName: "accountOf", args: [payer] });
    const operatorBefore = await tokenBalance(operator);
    const distributorBefore = await tokenBalance(contracts.RewardDistributor);

    const served = await Promise.all([call(), call(), call(), call()]);
    expect(served.map((s) => s.status)).toEqual([200, 200, 200, 200]);
    const refused = await call();
    expect(refused).toEqual({
      status: 402,
      body: {
        error: {
          message: `${payer} has 0 KHO available in FeeEscrow but this call costs 0.5 KHO; deposit more and retry.`,
          type: "invalid_request_error",
          param: null,
          code: "insufficient_balance",
        },
      },
    });
    expect(world.upstream.calls).toHaveLength(4);

    await relayer.batcher.flush();
    expect(relayer.batcher.lastError()).toBeNull();
    const fees = PRICE * 4n;
    const bps = await pub().readContract({
      address: contracts.FeeEscrow,
      abi: feeEscrowAbi,
      functionName: "protocolFeeBps",
    });
    const share = (fees * bps) / 10_000n;
    expect(share).toBeGreaterThan(0n);
    expect((await escrowAccount())[0]).toBe(0n);
    expect((await tokenBalance(operator)) - operatorBefore).toBe(fees - share);
    expect((await tokenBalance(contracts.RewardDistributor)) - distributorBefore).toBe(share);

    const relayerAddress = privateKeyToAccount(config.relayerPrivateKey).address;
    expect(
      await pub().readContract({
        address: contracts.FeeEscrow,
        abi: feeEscrowAbi,
        functionName: "isSettled",
        args: [relayerAddress, 1n],
      }),
    ).toBe(true);
    const settledLogs = parseEventLogs({
      abi: feeEscrowAbi,
      eventName: "BatchSettled",
      logs: await pub().getLogs({ address: contracts.FeeEscrow, fromBlock: 0n }),
    });
    expect(settledLogs.map((l) => [l.args.batchId, l.args.total, l.args.protocolShare])).toEqual([[1n, fees, share]]);
    const file = parseBatchFile(
      Buffer.from(await (await fetch(`${relayer.url}/v1/batches/${relayerAddress}/1`)).arrayBuffer()),
    );
    expect(file.settlement).toEqual({ charges: [{ payer, amount: fees }], credits: [{ operator, amount: fees }] });

    // Paying again makes calls possible again; nothing is settled twice across a restart.
    await topUp(PRICE);
    expect((await call()).status).toBe(200);
    await relayer.close();
    relayer = await startRelayer(config, { logger, batcherTickMs: 60_000 });
    await relayer.batcher.flush();
    expect(relayer.batcher.lastError()).toBeNull();
    expect((await escrowAccount())[0]).toBe(0n);
  });

  it("releases reservations a crashed process left behind, at boot", async () => {
    await topUp(PRICE);
    await relayer.close();
    // What a SIGKILL between reserving and answering leaves in the store: a reservation, no receipt.
    const store = await openStore(config.dbPath);
    await store.fees.reserve(
      keccak256("0xdead"),
      payer,
      PRICE,
      privateKeyToAccount(config.relayerPrivateKey).address,
      0,
    );
    await store.close();
    relayer = await startRelayer(config, { logger, batcherTickMs: 60_000 });
    expect((await call()).status).toBe(200);
  });
});
