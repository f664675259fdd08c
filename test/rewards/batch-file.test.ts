import { type Hex, keccak256, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { UserKind, ZERO_BYTES32, addressUserId, hashReceipt, type InferenceReceipt } from "../../src/protocol/receipt";
import { receiptTypes, usageLedgerDomain } from "../../src/protocol/eip712";
import { buildBatch } from "../../src/relayer/services/batch-file";
import { parseBatchFile } from "../../src/rewards/pipeline/batch-file";

describe("batch files", () => {
  it("parses what the relayer writes, field for field", async () => {
    const relayer = privateKeyToAccount(generatePrivateKey());
    const domain = { chainId: 31337, ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const };
    const receipt: InferenceReceipt = {
      requestId: keccak256(toHex("r")),
      modelId: 3n,
      deploymentId: 4n,
      communityId: 5n,
      userId: addressUserId(relayer.address),
      userKind: UserKind.KeyOwner,
      inputHash: keccak256(toHex("i")),
      outputHash: keccak256(toHex("o")),
      timestamp: 1_700_000_000n,
      epoch: 2n,
      fee: 10n ** 30n,
      userAuth: ZERO_BYTES32,
    };
    const signature: Hex = await relayer.signTypedData({
      domain: usageLedgerDomain(domain.chainId, domain.ledger),
      types: receiptTypes,
      primaryType: "InferenceReceipt",
      message: receipt,
    });
    const built = buildBatch({
      chainId: domain.chainId,
      ledger: domain.ledger,
      relayer: relayer.address,
      batchId: 7n,
      epoch: 2n,
      receipts: [{ receipt, hash: hashReceipt(receipt, domain), signature }],
    });
    const parsed = parseBatchFile(built.bytes);
    expect(parsed).toEqual({
      ok: true,
      file: {
        chainId: 31337n,
        ledger: domain.ledger,
        relayer: relayer.address,
        batchId: 7n,
        epoch: 2n,
        root: built.root,
        receipts: [{ receipt, signature: signature.toLowerCase() }],
      },
    });
  });

  it("explains why a file is not a batch", () => {
    const bytes = (text: string) => new TextEncoder().encode(text);
    expect(parseBatchFile(bytes("{"))).toEqual({ ok: false, reason: "not UTF-8 JSON" });
    expect(parseBatchFile(new Uint8Array([0xff, 0xfe]))).toEqual({ ok: false, reason: "not UTF-8 JSON" });
    const bad = parseBatchFile(bytes(JSON.stringify({ version: 1, chainId: "1", receipts: [] })));
    expect(bad.ok).toBe(false);
  });
});
