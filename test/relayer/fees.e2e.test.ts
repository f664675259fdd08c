import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import {
  type Address,
  type Hex,
  createPublicClient,
  createWalletClient,
  http,
  keccak256,
  parseEventLogs,
  parseUnits,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalChain, startLocalChain } from "../../src/devnet/local-chain";
import {
  communityRegistryAbi,
  feeEscrowAbi,
  khoTokenAbi,
  modelRegistryAbi,
  parseBatchFile,
  usageLedgerAbi,
} from "../../src/protocol";
import { createApiKey } from "../../src/relayer/auth/api-keys";
import type { RelayerConfig } from "../../src/relayer/config";
import { type RunningRelayer, startRelayer } from "../../src/relayer/server";
import { openStore } from "../../src/relayer/store";
import { type StubUpstream, startStubUpstream } from "./helpers/stub-upstream";

const PRICE = parseUnits("0.5", 18);

describe("paid calls against a local chain", () => {
  let chain: LocalChain;
  let upstream: StubUpstream;
  let relayer: RunningRelayer;
  let config: RelayerConfig;
  let apiKey: string;
  let dir: string;
  let payer: Address;
  let operator: Address;
  let deposit: (amount: bigint) => Promise<void>;
  const logger = pino({ level: process.env.KHO_TEST_LOG_LEVEL ?? "silent" });
  const pub = () => createPublicClient({ transport: http(chain.rpcUrl) });

  beforeAll(async () => {
    chain = await startLocalChain({ deploy: {} });
    const [deployerKey, relayerKey, operatorKey, payerKey] = chain.accounts;
    const { contracts } = chain.deployment!;
    operator = operatorKey!.address;
    payer = payerKey!.address;
    const chainDef = {
      id: chain.chainId,
      name: "local",
      nativeCurrency: { name: "ETH", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [chain.rpcUrl] } },
    } as const;
    const walletOf = (privateKey: Hex) =>
      createWalletClient({ account: privateKeyToAccount(privateKey), chain: chainDef, transport: http(chain.rpcUrl) });
    const deployer = walletOf(deployerKey!.privateKey);
    const payerWallet = walletOf(payerKey!.privateKey);
    const send = async (hash: Hex) => {
      expect((await pub().waitForTransactionReceipt({ hash })).status).toBe("success");
    };
    await send(
      await deployer.writeContract({
        address: contracts.UsageLedger,
        abi: usageLedgerAbi,
        functionName: "addRelayer",
        args: [relayerKey!.address],
      }),
    );
    await send(
      await deployer.writeContract({
        address: contracts.CommunityRegistry,
        abi: communityRegistryAbi,
        functionName: "createCommunity",
        args: ["vi-VN/home-cooking", "vi-VN", "ipfs://community"],
      }),
    );
    await send(
      await deployer.writeContract({
        address: contracts.ModelRegistry,
        abi: modelRegistryAbi,
        functionName: "registerModel",
        args: ["pho-vi", "vi-VN", 1n, "ipfs://card", keccak256("0x01")],
      }),
    );
    await send(
      await deployer.writeContract({
        address: contracts.ModelRegistry,
        abi: modelRegistryAbi,
        functionName: "setPrice",
        args: [1n, PRICE],
      }),
    );
    upstream = await startStubUpstream();
    await send(
      await deployer.writeContract({
        address: contracts.ModelRegistry,
        abi: modelRegistryAbi,
        functionName: "addDeployment",
        args: [1n, operator, upstream.url],
      }),
    );
    await send(
      await deployer.writeContract({
        address: contracts.KhoToken,
        abi: khoTokenAbi,
        functionName: "mint",
        args: [payer, parseUnits("10", 18)],
      }),
    );
    deposit = async (amount) => {
      await send(
        await payerWallet.writeContract({
          address: contracts.KhoToken,
          abi: khoTokenAbi,
          functionName: "approve",
          args: [contracts.FeeEscrow, amount],
        }),
      );
      await send(
        await payerWallet.writeContract({
          address: contracts.FeeEscrow,
          abi: feeEscrowAbi,
          functionName: "deposit",
          args: [amount],
        }),
      );
    };
    await deposit(PRICE * 4n);

    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kho-fees-"));
    config = {
      rpcUrl: chain.rpcUrl,
      chainId: chain.chainId,
      contracts: {
        usageLedger: contracts.UsageLedger,
        modelRegistry: contracts.ModelRegistry,
        feeEscrow: contracts.FeeEscrow,
      },
      relayerPrivateKey: relayerKey!.privateKey,
      dbPath: path.join(dir, "relayer.sqlite"),
      host: "127.0.0.1",
      port: 0,
      publicUrl: "http://127.0.0.1:8787",
      userIdSalt: `0x${"22".repeat(32)}`,
      batch: { maxReceipts: 256, maxAgeSeconds: 3600 },
      upstream: { timeoutMs: 15_000, maxResponseBytes: 1 << 20, allowLoopback: true },
      maxBodyBytes: 1 << 20,
      rateLimit: { perCallerPerMinute: 1000, perIpPerMinute: 1000 },
      signerThreads: 1,
      minSignerBalanceWei: 10n ** 15n,
      modelCacheTtlSeconds: 30,
      escrowBalanceCacheMs: 0,
      logLevel: "silent",
    };
    const cliStore = await openStore(config.dbPath);
    apiKey = (await createApiKey(cliStore, { owner: payer, label: "e2e" })).key;
    cliStore.close();
    relayer = await startRelayer(config, { logger, batcherTickMs: 60_000 });
  });

  afterAll(async () => {
    await relayer?.close();
    await upstream?.close();
    await chain?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const call = async () => {
    const res = await fetch(`${relayer.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ model: "pho-vi", messages: [{ role: "user", content: "Canh chua?" }] }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  const tokenBalance = (who: Address) =>
    pub().readContract({
      address: chain.deployment!.contracts.KhoToken,
      abi: khoTokenAbi,
      functionName: "balanceOf",
      args: [who],
    });

  it("charges priced calls, refuses the unpaid one, and settles the batch to the wei", async () => {
    const { contracts } = chain.deployment!;
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
    expect(upstream.calls).toHaveLength(4);

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
    await deposit(PRICE);
    expect((await call()).status).toBe(200);
    await relayer.close();
    relayer = await startRelayer(config, { logger, batcherTickMs: 60_000 });
    await relayer.batcher.flush();
    expect(relayer.batcher.lastError()).toBeNull();
    expect((await escrowAccount())[0]).toBe(0n);
  });

  it("releases reservations a crashed process left behind, at boot", async () => {
    await deposit(PRICE);
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
