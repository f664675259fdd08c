import { Router } from "express";
import { type Address, getAddress, isAddress } from "viem";
import { batchLeaf, batchTree } from "../../protocol";
import { RelayerError } from "../errors";
import type { ModelDirectory, RegisteredModel } from "../ports";
import { signedReceiptToJson } from "../../protocol/receipt-json";
import type { ReceiptSigner } from "../signer/signer";
import type { RelayerStore } from "../store";

export type PublicReadsDeps = { store: RelayerStore; directory: ModelDirectory; signer: ReceiptSigner };

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const BATCH_ID = /^[1-9]\d{0,18}$/;

/** GET /v1/models, /v1/receipts/:id and /v1/batches/[:relayer/]:id: public, unauthenticated reads. */
export function publicReadsRouter(deps: PublicReadsDeps): Router {
  const router = Router();

  // OpenAI model objects whose `id` is the registered name, so model pickers show names; the
  // registered id stays available as `modelId` and is accepted as `model` too.
  const modelObject = (m: RegisteredModel) => ({
    id: m.name,
    object: "model",
    created: Number(m.registeredAt),
    owned_by: m.builder,
    name: m.name,
    modelId: m.id.toString(),
    locale: m.locale,
    communityId: m.communityId.toString(),
    builder: m.builder,
  });

  router.get("/v1/models", async (_req, res) => {
    const models = await deps.directory.listActiveModels();
    res.json({ object: "list", data: models.map(modelObject) });
  });

  router.get("/v1/models/:id", async (req, res) => {
    const model = await deps.directory.resolveModel(req.params.id);
    const served = model && (await deps.directory.activeDeployments(model.id)).length > 0;
    if (!model || !served)
      throw new RelayerError(
        "model_not_found",
        `There is no active registered model ${JSON.stringify(req.params.id)}.`,
      );
    res.json(modelObject(model));
  });

  router.get("/v1/receipts/:id", async (req, res) => {
    const id = req.params.id;
    if (!BYTES32.test(id))
      throw new RelayerError("invalid_request", "A receipt id is a 32-byte hex request id or receipt hash.");
    const stored = await deps.store.receipts.find(id as `0x${string}`);
    if (!stored) throw new RelayerError("not_found", `There is no receipt ${id}.`);
    let batch = null;
    if (stored.batch) {
      const meta = await deps.store.batches.get(stored.batch.relayer, stored.batch.batchId);
      if (meta) {
        // Rebuilt from the stored receipts; the root check guards against a store that drifted from the file.
        const tree = batchTree((await deps.store.receipts.inBatch(meta.relayer, meta.batchId)).map((r) => r.hash));
        if (tree.root !== meta.root)
          throw new RelayerError("internal_error", "The stored batch does not match its root.");
        const leaf = batchLeaf(stored.hash);
        batch = {
          batchId: meta.batchId.toString(),
          relayer: meta.relayer,
          root: meta.root,
          status: meta.status,
          dataURI: meta.dataURI,
          leaf,
          proof: tree.proof(leaf),
        };
      }
    }
    res.json({
      receipt: {
        ...signedReceiptToJson(stored.receipt, stored.hash, stored.signature, stored.attribution),
        signer: stored.signer,
      },
      status: stored.status,
      batch,
    });
  });

  const sendBatch = async (relayer: Address, rawId: string, res: import("express").Response) => {
    if (!BATCH_ID.test(rawId)) throw new RelayerError("invalid_request", "A batch id is a positive decimal integer.");
    const batchId = BigInt(rawId);
    const batch = await deps.store.batches.get(relayer, batchId);
    const file = batch && (await deps.store.batches.file(relayer, batchId));
    if (!batch || !file) throw new RelayerError("not_found", `Relayer ${relayer} has no batch ${rawId}.`);
    // Sealing stored the file and its hash in one transaction: hashing ~225 kB again per read would
    // hold the event loop ~5 ms each time a verifier downloads a batch.
    res.setHeader("X-Kho-Data-Hash", batch.dataHash);
    res.setHeader("Cache-Control", "public, max-age=31536000, immutable");
    res.status(200).type("application/json").send(file);
  };

  router.get("/v1/batches/:id", (req, res) => sendBatch(deps.signer.address, req.params.id, res));
  router.get("/v1/batches/:relayer/:id", async (req, res) => {
    if (!isAddress(req.params.relayer, { strict: false }))
      throw new RelayerError("invalid_request", "Not a relayer address.");
    await sendBatch(getAddress(req.params.relayer), req.params.id, res);
  });

  return router;
}
