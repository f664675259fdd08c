import { type Hex, bytesToHex, keccak256, toBytes } from "viem";
import { afterEach, describe, expect, it } from "vitest";
import { UserKind, ZERO_BYTES32, parseBatchFile } from "../../protocol";
import { type BatchBuilder, createBatchBuilder } from "./batch-builder";
import { type BuildBatchParameters, buildBatch } from "./batch-file";

const PAYER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const OPERATOR = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";

function receipt(n: number, fee: bigint) {
  const id = (tag: string): Hex => keccak256(toBytes(`${tag}:${n}`));
  return {
    receipt: {
      requestId: id("request"),
      modelId: 1n,
      deploymentId: 1n,
      communityId: 1n,
      userId: id("user"),
      userKind: UserKind.KeyOwner,
      inputHash: id("input"),
      outputHash: id("output"),
      timestamp: 1_700_000_000n,
      epoch: 3n,
      fee,
      payer: PAYER,
      userAuth: ZERO_BYTES32,
    },
    hash: id("hash"),
    signature: bytesToHex(new Uint8Array(65).fill(n % 256)),
  } as const;
}

const params = (receipts: ReturnType<typeof receipt>[]): BuildBatchParameters => ({
  chainId: 31337,
  ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  relayer: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  batchId: 7n,
  epoch: 3n,
  receipts,
  operators: new Map([[1n, OPERATOR]]),
});

let builder: BatchBuilder | undefined;
afterEach(async () => {
  await builder?.close();
  builder = undefined;
});

describe("createBatchBuilder", () => {
  it("builds in its worker the same file, root and dataHash as buildBatch, and reads its settlement", async () => {
    builder = createBatchBuilder();
    const input = params(Array.from({ length: 40 }, (_, i) => receipt(i, BigInt(i % 3) * 10n ** 15n)));
    const inline = buildBatch(input);
    const built = await builder.build(input);
    expect(built.root).toBe(inline.root);
    expect(built.dataHash).toBe(inline.dataHash);
    expect(Buffer.from(built.bytes).equals(Buffer.from(inline.bytes))).toBe(true);
    expect(await builder.settlement(built.bytes)).toEqual(parseBatchFile(inline.bytes).settlement);
  });

  it("fails only the call whose batch is wrong, and keeps serving", async () => {
    builder = createBatchBuilder();
    const wrong = { ...params([receipt(1, 0n)]), epoch: 4n };
    await expect(builder.build(wrong)).rejects.toThrow(/could not build or read the batch file: .*epoch 3, not 4/);
    await expect(builder.settlement(new TextEncoder().encode("{}"))).rejects.toThrow(/could not build or read/);
    const ok = await builder.build(params([receipt(2, 0n)]));
    expect(ok.root).toBe(buildBatch(params([receipt(2, 0n)])).root);
  });

  it("refuses work once closed", async () => {
    builder = createBatchBuilder();
    await builder.close();
    await expect(builder.build(params([receipt(1, 0n)]))).rejects.toThrow("The batch builder is closed.");
  });
});
