import { afterEach, describe, expect, it } from "vitest";
import { attributionHash, parseBatchFile } from "../../protocol";
import { OPERATOR, receiptNumber } from "../store/__fixtures__/receipts";
import { type BatchBuilder, createBatchBuilder } from "./batch-builder";
import { type BuildBatchParameters, buildBatch } from "./batch-file";

const params = (receipts: ReturnType<typeof receiptNumber>[]): BuildBatchParameters => ({
  chainId: 31337,
  ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  relayer: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  batchId: 7n,
  epoch: 1n,
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
    const receipts = Array.from({ length: 40 }, (_, i) => receiptNumber(i, BigInt(i % 3) * 10n ** 15n));
    // One answer cites an entry: its list crosses to the worker and into the file.
    const attribution = [{ contentHash: receipts[0]!.hash, entryId: "ca-kho-to" }];
    receipts[5] = {
      ...receipts[5]!,
      receipt: { ...receipts[5]!.receipt, attributionHash: attributionHash(attribution) },
      attribution,
    };
    const input = params(receipts);
    const inline = buildBatch(input);
    const built = await builder.build(input);
    expect(built.root).toBe(inline.root);
    expect(built.dataHash).toBe(inline.dataHash);
    expect(Buffer.from(built.bytes).equals(Buffer.from(inline.bytes))).toBe(true);
    expect(parseBatchFile(built.bytes).receipts.find((r) => r.hash === receipts[5]!.hash)?.attribution).toEqual(
      attribution,
    );
    expect(await builder.settlement(built.bytes)).toEqual(parseBatchFile(inline.bytes).settlement);
  });

  it("fails only the call whose batch is wrong, and keeps serving", async () => {
    builder = createBatchBuilder();
    const wrong = { ...params([receiptNumber(1, 0n)]), epoch: 2n };
    await expect(builder.build(wrong)).rejects.toThrow(/could not build or read the batch file: .*epoch 1, not 2/);
    await expect(builder.settlement(new TextEncoder().encode("{}"))).rejects.toThrow(/could not build or read/);
    const ok = await builder.build(params([receiptNumber(2, 0n)]));
    expect(ok.root).toBe(buildBatch(params([receiptNumber(2, 0n)])).root);
  });

  it("refuses work once closed", async () => {
    builder = createBatchBuilder();
    await builder.close();
    await expect(builder.build(params([receiptNumber(1, 0n)]))).rejects.toThrow("The batch builder is closed.");
  });
});
