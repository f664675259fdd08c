import OpenAI from "openai";
import pino from "pino";
import { type Hex, createPublicClient, http, keccak256, parseEventLogs } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalChain } from "../../src/devnet/local-chain";
import { batchLeaf, hashBatchHeader, recoverReceiptSigner, usageLedgerAbi, verifyProof } from "../../src/protocol";
import { createKhoClient, getBatch } from "../../src/sdk";
import { type RelayerConfig, loadRelayerConfig } from "../../src/relayer/config";
import type { KhoReceiptJson } from "../../src/protocol/receipt-json";
import { receiptFromJson } from "../../src/protocol/receipt-json";
import { type RunningRelayer, startRelayer } from "../../src/relayer/server";
import { type ProcessWorld, startProcessWorld } from "./helpers/process-world";

describe("relayer against a local chain", () => {
  let world: ProcessWorld;
  let chain: LocalChain;
  let relayer: RunningRelayer;
  let config: RelayerConfig;
  const logger = pino({ level: process.env.KHO_TEST_LOG_LEVEL ?? "silent" });

  beforeAll(async () => {
    world = await startProcessWorld({
      batchMaxReceipts: 256,
      userIdSalt: `0x${"22".repeat(32)}`,
      // Batches are sealed by the test (flush); data URIs name the public URL, not where the relayer listens.
      env: { KHO_BATCH_MAX_AGE_SECONDS: "3600", KHO_RELAYER_PUBLIC_URL: "http://127.0.0.1:8787" },
    });
    chain = world.chain;
    config = loadRelayerConfig(world.env);
    relayer = await startRelayer(config, { logger, batcherTickMs: 60_000 });
  });

  afterAll(async () => {
    await relayer?.close();
    await world?.close();
  });

  async function complete(content: string): Promise<KhoReceiptJson> {
    const client = new OpenAI({ baseURL: `${relayer.url}/v1`, apiKey: world.apiKey, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: "pho-vi", messages: [{ role: "user", content }] });
    expect(completion.choices[0]!.message.content).toBe(`echo: ${content}`);
    return (completion as unknown as { kho_receipt: KhoReceiptJson }).kho_receipt;
  }

  function receiptOf(kr: KhoReceiptJson) {
    const { hash: _h, signature: _s, signer: _r, ...fields } = kr;
    return receiptFromJson(fields);
  }

  it("lists the registered model", async () => {
    const res = await fetch(`${relayer.url}/v1/models`);
    const body = (await res.json()) as {
      data: { id: string; modelId: string; name: string; locale: string; communityId: string }[];
    };
    // OpenAI clients show `id`: the registered name; the number stays available as modelId.
    expect(body.data.map((m) => [m.id, m.modelId, m.name, m.locale, m.communityId])).toEqual([
      ["pho-vi", "1", "pho-vi", "vi-VN", "1"],
    ]);
  });

  it("serves an openai-client call whose receipt verifies on-chain once batched", async () => {
    const kr = await complete("Cá kho thế nào?");
    const receipt = receiptOf(kr);
    const ledger = config.contracts.usageLedger;
    expect(await recoverReceiptSigner(receipt, kr.signature, { chainId: chain.chainId, ledger })).toBe(
      chain.accounts[1]!.address,
    );

    await relayer.batcher.flush();
    const pub = createPublicClient({ transport: http(chain.rpcUrl) });
    expect(
      await pub.readContract({ address: ledger, abi: usageLedgerAbi, functionName: "lastBatchId", args: [kr.signer] }),
    ).toBe(1n);

    const lookup = (await (await fetch(`${relayer.url}/v1/receipts/${kr.requestId}`)).json()) as {
      batch: { batchId: string; root: Hex; proof: Hex[]; status: string };
    };
    expect(lookup.batch.status).toBe("confirmed");
    // The ledger stores the hash of the batch header; the header itself is in BatchSubmitted.
    const logs = parseEventLogs({
      abi: usageLedgerAbi,
      eventName: "BatchSubmitted",
      logs: await pub.getLogs({ address: ledger, fromBlock: 0n }),
    });
    const { epoch, root, count, dataHash } = logs[0]!.args;
    const onChain = { epoch, root, count, dataHash };
    expect(
      await pub.readContract({
        address: ledger,
        abi: usageLedgerAbi,
        functionName: "batchCommitment",
        args: [kr.signer, 1n],
      }),
    ).toBe(hashBatchHeader(onChain));
    expect(onChain.root).toBe(lookup.batch.root);
    expect(verifyProof(onChain.root, batchLeaf(kr.hash), lookup.batch.proof)).toBe(true);
    expect(
      await pub.readContract({
        address: ledger,
        abi: usageLedgerAbi,
        functionName: "verifyReceipt",
        args: [receipt, kr.signature, kr.signer, 1n, onChain, lookup.batch.proof],
      }),
    ).toBe(true);

    const file = Buffer.from(await (await fetch(`${relayer.url}/v1/batches/1`)).arrayBuffer());
    expect(keccak256(file)).toBe(onChain.dataHash);
    expect(logs.map((l) => l.args.dataURI)).toEqual([`http://127.0.0.1:8787/v1/batches/${kr.signer}/1`]);

    // The SDK reads the header from BatchSubmitted and checks it against the ledger's commitment.
    const reader = createKhoClient({
      rpcUrl: chain.rpcUrl,
      chainId: chain.chainId,
      addresses: chain.deployment!.contracts,
    });
    const block = await pub.getBlock({ blockNumber: logs[0]!.blockNumber });
    expect(await getBatch(reader, { relayer: kr.signer, batchId: 1n })).toEqual({
      relayer: kr.signer,
      batchId: 1n,
      ...onChain,
      submittedAt: block.timestamp,
      dataURI: logs[0]!.args.dataURI,
      commitment: hashBatchHeader(onChain),
    });
  });

  it("keeps batch ids contiguous across a restart on the same database", async () => {
    await relayer.close();
    relayer = await startRelayer(config, { logger, batcherTickMs: 60_000 });
    const kr = await complete("Thịt kho trứng?");
    await relayer.batcher.flush();
    const pub = createPublicClient({ transport: http(chain.rpcUrl) });
    const ledger = config.contracts.usageLedger;
    expect(
      await pub.readContract({ address: ledger, abi: usageLedgerAbi, functionName: "lastBatchId", args: [kr.signer] }),
    ).toBe(2n);
    const health = (await (await fetch(`${relayer.url}/health`)).json()) as { status: string; reasons: string[] };
    expect(health).toMatchObject({ status: "ready", reasons: [] });
  });
});
