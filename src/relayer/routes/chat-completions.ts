import express, { type RequestHandler, Router } from "express";
import type { Logger } from "pino";
import type { Hex } from "viem";
import { type Caller, callerId } from "../auth/caller";
import { authenticateApiKey } from "../auth/api-keys";
import { type WalletHeaders, hasWalletHeaders, readWalletHeaders, verifyWalletRequest } from "../auth/wallet-auth";
import { canonicalJsonHash, findForbiddenKey } from "../../protocol/canonical-json";
import { RelayerError } from "../errors";
import { requireJsonContentType } from "../http/errors-middleware";
import { createRateLimit } from "../http/rate-limit";
import type { RegisteredModel } from "../ports";
import { type ChatCompletionRequest, chatCompletionRequestSchema } from "../schemas";
import {
  type ChatCall,
  idempotentRequestId,
  inputHashOf,
  inputPreimageOf,
  randomRequestId,
  serveChatCompletion,
  type ServeChatCompletionDeps,
  signAndPersistReceipt,
} from "../services/chat-completion";
import { insertReceipt, streamChatCompletion } from "../services/chat-stream";
import type { FeeReservations } from "../services/fee-reservations";
import type { IdempotencyGate } from "../services/idempotency";
import type { RelayerStore, StoreTx } from "../store";
import type { ReceiptWriter } from "../store/receipt-writer";

export type ChatCompletionsRouteDeps = ServeChatCompletionDeps & {
  store: RelayerStore;
  idempotency: IdempotencyGate;
  fees: FeeReservations;
  /** Group-commits each request's receipt with its idempotent response; settles after the commit. */
  receiptWriter: ReceiptWriter;
  maxBodyBytes: number;
  perCallerPerMinute: number;
};

type Locals = {
  chat: ChatCompletionRequest;
  model: RegisteredModel;
  caller: Caller;
  inputHash: ChatCall["inputHash"];
  /** A wallet request's headers, read before the body; the signature is verified after it. */
  wallet?: WalletHeaders;
};

function locals(res: { locals: Record<string, unknown> }): Locals {
  return res.locals as Locals;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

function formatIssues(error: import("zod").ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "The request body is invalid.";
  const path = issue.path.length > 0 ? issue.path.join(".") : "body";
  if (issue.code === "unrecognized_keys") return `Unknown field(s) ${issue.keys.join(", ")} at ${path}.`;
  return `Invalid ${path}: ${issue.message}.`;
}

export function chatCompletionsRouter(deps: ChatCompletionsRouteDeps): Router {
  const router = Router();

  const validate: RequestHandler = (req, res, next) => {
    const forbidden = findForbiddenKey(req.body);
    if (forbidden)
      throw new RelayerError("invalid_request", `The request body contains a forbidden key at ${forbidden}.`);
    const parsed = chatCompletionRequestSchema.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const param = issue && issue.path.length > 0 ? issue.path.join(".") : undefined;
      throw new RelayerError("invalid_request", formatIssues(parsed.error), { param });
    }
    locals(res).chat = parsed.data;
    next();
  };

  const resolveModel: RequestHandler = async (_req, res, next) => {
    const ref = locals(res).chat.model;
    const model = await deps.directory.resolveModel(ref);
    if (!model)
      throw new RelayerError("model_not_found", `There is no active registered model ${JSON.stringify(ref)}.`, {
        param: "model",
      });
    locals(res).model = model;
    next();
  };

  /**
   * Runs before the body is read or the chain is asked anything: an anonymous request costs the
   * relayer one header check. API keys are checked in full here; a wallet request's headers are
   * read here and its signature verified once the body names the model it signed for.
   */
  const authenticate: RequestHandler = async (req, res, next) => {
    const authorization = req.headers.authorization;
    const wallet = hasWalletHeaders(req.headers);
    if (authorization !== undefined && wallet) {
      throw new RelayerError("invalid_request", "Send either an API key or a wallet signature, not both.");
    }
    if (wallet) {
      locals(res).wallet = readWalletHeaders(req.headers);
      next();
      return;
    }
    const match = typeof authorization === "string" ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
    if (!match)
      throw new RelayerError("unauthorized", "Send Authorization: Bearer <API key> or a wallet-signed request.");
    const key = await authenticateApiKey(deps.store, match[1]!);
    if (!key) throw new RelayerError("unauthorized", "The API key is unknown or revoked.");
    locals(res).caller = { kind: "apiKey", keyId: key.id, owner: key.owner };
    next();
  };

  const verifyWallet: RequestHandler = async (_req, res, next) => {
    const { chat, model, wallet } = locals(res);
    if (wallet) {
      const inputHash = inputHashOf(chat);
      locals(res).caller = await verifyWalletRequest({
        headers: wallet,
        modelId: model.id,
        inputHash,
        now: deps.clock.now(),
        domain: deps.signer.domain,
      });
      locals(res).inputHash = inputHash;
    } else {
      // Nothing needs the hash before the receipt: the signing worker computes it.
      locals(res).inputHash = inputPreimageOf(chat);
    }
    next();
  };

  const perCaller = createRateLimit({
    scope: "caller",
    perMinute: deps.perCallerPerMinute,
    key: (_req, res) => callerId(locals(res).caller),
    counters: deps.store.rateLimits,
  });

  const handle: RequestHandler = async (req, res) => {
    const { chat, model, caller, inputHash } = locals(res);
    const who = callerId(caller);
    const header = req.headers["idempotency-key"];
    let idempotencyKey: string | undefined;
    if (header !== undefined) {
      if (typeof header !== "string" || !IDEMPOTENCY_KEY.test(header)) {
        throw new RelayerError("invalid_request", "Idempotency-Key must be 1 to 255 visible ASCII characters.");
      }
      if (chat.stream === true) {
        // A replay answers with the stored JSON body, which a streaming client could not read.
        throw new RelayerError("invalid_request", "Idempotency-Key cannot be used with stream: true.", {
          param: "stream",
        });
      }
      idempotencyKey = header;
    }

    const now = Number(deps.clock.now());
    const gate = idempotencyKey
      ? await deps.idempotency.enter(who, idempotencyKey, canonicalJsonHash(req.body), now)
      : null;
    if (gate?.kind === "replay") {
      const stored = JSON.parse(gate.response.body) as { kho_receipt?: { hash?: string } };
      if (stored.kho_receipt?.hash) res.setHeader("X-Kho-Receipt-Hash", stored.kho_receipt.hash);
      res.setHeader("Idempotent-Replayed", "true");
      res.status(gate.response.status).type("application/json").send(gate.response.body);
      return;
    }

    let nonceClaimed = false;
    let receipted = false;
    let requestId: Hex | null = null;
    try {
      if (caller.kind === "wallet") {
        if (!(await deps.store.nonces.claim(caller.user, caller.nonce, now))) {
          throw new RelayerError("nonce_reused", `Nonce ${caller.nonce} was already used by ${caller.user}.`);
        }
        nonceClaimed = true;
      }
      requestId = idempotencyKey ? idempotentRequestId(who, idempotencyKey) : randomRequestId();
      // Paid before forwarded: a call the payer cannot afford never reaches the deployment.
      const fee = await deps.directory.priceOf(model.id);
      await deps.fees.reserve({ requestId, caller, price: fee });
      // A client that disconnects cancels the upstream call: nobody would read the rest of its answer.
      const disconnected = new AbortController();
      res.once("close", () => {
        if (!res.writableFinished) disconnected.abort(new Error("the client closed the connection"));
      });
      const call: ChatCall = { request: chat, model, caller, requestId, inputHash, fee, signal: disconnected.signal };

      if (chat.stream === true) {
        receipted = await streamChatCompletion(deps, call, res);
        // A stream that ended without a receipt (nothing delivered, or the deployment broke) is not
        // charged and used no nonce.
        if (!receipted) {
          await deps.fees.release(requestId);
          if (nonceClaimed && caller.kind === "wallet") await deps.store.nonces.release(caller.user, caller.nonce);
        }
        return;
      }
      const served = await serveChatCompletion(deps, call);
      let body = "";
      const signed = await signAndPersistReceipt(deps, {
        call,
        deployment: served.deployment,
        output: served.message,
        attribution: served.completion.kho_attribution,
        log: (req as { log?: Logger }).log,
        // The receipt (and the idempotent response naming it) is durable before the client sees it.
        persist: async (receipt) => {
          body = JSON.stringify({ ...served.completion, kho_receipt: receipt.json });
          const insert = (tx: StoreTx) => insertReceipt(tx, deps, receipt);
          if (gate) await gate.complete({ status: 200, body }, insert);
          else await deps.receiptWriter.submit(insert);
        },
      });
      receipted = true;
      res.setHeader("X-Kho-Receipt-Hash", signed.hash);
      res.status(200).type("application/json").send(body);
    } catch (error) {
      if (!receipted) {
        // No receipt was stored: free the reservation (no fee for nothing delivered), the nonce and
        // the key so the client can retry the same request.
        if (requestId !== null) await deps.fees.release(requestId);
        if (nonceClaimed && caller.kind === "wallet") await deps.store.nonces.release(caller.user, caller.nonce);
        if (gate) await gate.abandon();
      }
      throw error;
    }
  };

  router.post(
    "/v1/chat/completions",
    authenticate,
    requireJsonContentType,
    express.json({ limit: deps.maxBodyBytes, strict: true, type: "application/json" }),
    validate,
    resolveModel,
    verifyWallet,
    perCaller,
    handle,
  );
  return router;
}
