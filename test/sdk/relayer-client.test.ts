import { getAddress } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { UserKind, addressUserId, batchLeaf, hashInferenceRequest, hashReceipt, verifyProof } from "../../src/protocol";
import { createApiKey } from "../../src/relayer/auth/api-keys";
import { KhoInputError, RelayerRequestError, createRelayerClient, verifyReceipt } from "../../src/sdk";
import { listen } from "../relayer/helpers/listen";
import { CHAIN_ID, LEDGER, type TestRelayer, createTestBatcher, startTestRelayer } from "../relayer/helpers/test-app";

const messages = [{ role: "user" as const, content: "Cá kho nấu thế nào?" }];
const domain = { chainId: CHAIN_ID, ledger: LEDGER };

describe("relayer client", () => {
  let relayer: TestRelayer;
  let server: { url: string; close(): Promise<void> };
  let baseUrl: string;
  let apiKey: string;

  beforeAll(async () => {
    relayer = await startTestRelayer();
    apiKey = (await createApiKey(relayer.store, { owner: "0x00000000000000000000000000000000000000aa", label: "sdk" }))
      .key;
    server = await listen(relayer.app);
    baseUrl = `${server.url}/`;
  });
  afterAll(async () => {
    await server?.close();
    await relayer?.close();
  });

  it("sends a chat completion and returns the completion with a verifiable receipt", async () => {
    const client = createRelayerClient({ baseUrl, apiKey });
    const { completion, receipt } = await client.chatCompletion({ model: "pho-vi", messages, user: "lan" });
    expect(completion.choices[0]!.message.content).toEqual(expect.any(String));
    expect(completion).not.toHaveProperty("kho_receipt");
    expect(receipt.receipt).toMatchObject({ modelId: 1n, deploymentId: 11n, communityId: 7n, userKind: 0 });
    expect(receipt.signer).toBe(relayer.signer.address);
    expect(receipt.hash).toBe(hashReceipt(receipt.receipt, domain));

    const verified = await verifyReceipt({ ...receipt, expectedSigner: relayer.signer.address, domain });
    expect(verified).toEqual({ valid: true, hash: receipt.hash, signer: relayer.signer.address });

    const lookedUp = await client.getReceipt(receipt.hash);
    expect(lookedUp).toMatchObject({ status: "unbatched", batch: null });
    expect(lookedUp.receipt).toEqual(receipt);
    expect((await client.getReceipt(receipt.receipt.requestId)).receipt.hash).toBe(receipt.hash);
  });

  it("sends wallet-signed requests, so the receipt names the user's address", async () => {
    const account = privateKeyToAccount(generatePrivateKey());
    const client = createRelayerClient({ baseUrl, domain });
    const wallet = { account, nonce: 1n, deadline: relayer.clock.t + 3600n, maxFee: 0n };
    const { receipt } = await client.chatCompletion({ model: "pho-vi", messages, wallet });
    expect(receipt.receipt).toMatchObject({ userKind: UserKind.Wallet, userId: addressUserId(account.address) });
    expect(receipt.receipt.userAuth).toBe(
      hashInferenceRequest(
        {
          user: account.address,
          modelId: 1n,
          inputHash: receipt.receipt.inputHash,
          nonce: 1n,
          deadline: wallet.deadline,
          maxFee: 0n,
        },
        domain,
      ),
    );
    // The relayer refuses a reused nonce, and a client without the ledger domain cannot sign at all.
    await expect(client.chatCompletion({ model: "1", messages, wallet })).rejects.toMatchObject({
      code: "nonce_reused",
    });
    await expect(
      createRelayerClient({ baseUrl }).chatCompletion({ model: "1", messages, wallet }),
    ).rejects.toBeInstanceOf(KhoInputError);
  });

  it("rejects receipts that were tampered with, signed by someone else, or for another domain", async () => {
    const client = createRelayerClient({ baseUrl, apiKey });
    const { receipt } = await client.chatCompletion({ model: "1", messages });
    const expectedSigner = relayer.signer.address;

    const tampered = await verifyReceipt({
      receipt: { ...receipt.receipt, fee: receipt.receipt.fee + 1n },
      signature: receipt.signature,
      expectedSigner,
      domain,
    });
    expect(tampered.valid).toBe(false);

    const claimedHash = await verifyReceipt({
      ...receipt,
      receipt: { ...receipt.receipt, epoch: 99n },
      expectedSigner,
      domain,
    });
    expect(claimedHash).toMatchObject({ valid: false, reason: expect.stringContaining("hashes to") });

    const otherLedger = await verifyReceipt({
      receipt: receipt.receipt,
      signature: receipt.signature,
      expectedSigner,
      domain: { chainId: CHAIN_ID, ledger: "0x0000000000000000000000000000000000000001" },
    });
    expect(otherLedger.valid).toBe(false);

    const garbage = await verifyReceipt({ receipt: receipt.receipt, signature: "0x1234", expectedSigner, domain });
    expect(garbage).toMatchObject({ valid: false, signer: null, reason: expect.stringContaining("malformed") });

    // The receipt cites nothing (zero attributionHash): a list claimed beside it does not match.
    const entry = { contentHash: receipt.receipt.outputHash, entryId: "ca-kho-to" };
    const claimedCitation = await verifyReceipt({ ...receipt, attribution: [entry], expectedSigner, domain });
    expect(claimedCitation).toMatchObject({
      valid: false,
      reason: expect.stringContaining("listed attribution hashes to"),
    });
  });

  it("lists models and fetches batch files whose hash and proofs check out", async () => {
    const client = createRelayerClient({ baseUrl, apiKey });
    const models = await client.listModels();
    // Only models with an active deployment are served ("idle-model" has none).
    expect(models).toEqual([
      {
        id: 1n,
        name: "pho-vi",
        locale: "vi-VN",
        communityId: 7n,
        builder: getAddress("0x00000000000000000000000000000000000000b1"),
      },
    ]);

    const { batcher } = createTestBatcher(relayer, { maxReceipts: 100, maxAgeSeconds: 0, publicUrl: baseUrl });
    await batcher.flush();

    const batch = await client.getBatch(1n);
    expect(batch).toMatchObject({
      version: 1,
      chainId: BigInt(CHAIN_ID),
      batchId: 1n,
      relayer: relayer.signer.address,
    });
    // The three completions of the tests above.
    expect(batch.receipts).toHaveLength(3);
    const [first] = batch.receipts;
    const lookedUp = await client.getReceipt(first!.hash);
    expect(lookedUp.status).not.toBe("unbatched");
    expect(lookedUp.batch).toMatchObject({ batchId: 1n, root: batch.root });
    expect(verifyProof(batch.root, batchLeaf(first!.hash), lookedUp.batch!.proof)).toBe(true);
    expect(batch.dataHash).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it("turns relayer errors and unreachable relayers into RelayerRequestError with status and code", async () => {
    const noKey = createRelayerClient({ baseUrl });
    await expect(noKey.chatCompletion({ model: "pho-vi", messages })).rejects.toMatchObject({
      name: "RelayerRequestError",
      status: 401,
      code: "unauthorized",
    });
    const client = createRelayerClient({ baseUrl, apiKey });
    await expect(client.chatCompletion({ model: "no-such-model", messages })).rejects.toMatchObject({
      status: 404,
      code: "model_not_found",
    });
    await expect(client.getReceipt(`0x${"ab".repeat(32)}`)).rejects.toMatchObject({ status: 404, code: "not_found" });
    await expect(client.getReceipt("0x12")).rejects.toBeInstanceOf(KhoInputError);
    await expect(client.getBatch(999n)).rejects.toMatchObject({ status: 404 });

    const down = createRelayerClient({ baseUrl: "http://127.0.0.1:9" });
    const error = await down.listModels().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RelayerRequestError);
    expect(error).toMatchObject({ status: 0, message: "cannot reach the relayer at http://127.0.0.1:9" });
    expect(() => createRelayerClient({ baseUrl: "ftp://x" })).toThrow(KhoInputError);
  });
});
