import type { Address, Hex, LocalAccount } from "viem";
import {
  type BatchFile,
  BatchFileError,
  type KhoReceipt,
  type LedgerDomain,
  type ChatRequestBody,
  chatInputHash,
  describeZodIssue,
  inferenceRequestTypes,
  parseBatchFile,
  usageLedgerDomain,
} from "../../protocol";
import { keccak256Hex } from "../../protocol/keccak";
import type { z } from "zod";
import { KhoInputError } from "../errors";
import { toAddress } from "../validate";
import { RelayerRequestError } from "./errors";
import { chatCompletionWireSchema, errorWireSchema, modelListWireSchema, receiptLookupWireSchema } from "./wire";

export type CreateRelayerClientParameters = {
  /** e.g. `http://127.0.0.1:8787` (no trailing `/v1`). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>` on chat completions. */
  apiKey?: string;
  /** Defaults to the global fetch (tests may inject one). */
  fetch?: typeof fetch;
  /** Per-request timeout in milliseconds (default 60 s: inference can be slow). */
  timeoutMs?: number;
  /**
   * Chain id and UsageLedger address the relayer signs under; needed only for wallet-signed
   * requests (the relayer checks the request signature under the same domain).
   */
  domain?: LedgerDomain;
};

/** Signs the request with the user's own key, so the receipt names the user's address (userKind 1). */
export type WalletRequestAuth = {
  account: LocalAccount;
  /** Any value the user has not used with this relayer before. */
  nonce: bigint;
  /** Unix seconds after which the relayer refuses the signed request. */
  deadline: bigint;
  /** The most the user agrees to pay for this call, in token units (wei); the receipt's fee never exceeds it. */
  maxFee: bigint;
  /** Overrides the client's domain. */
  domain?: LedgerDomain;
};

export type ChatMessage = {
  role: "system" | "developer" | "user" | "assistant";
  content: string | { type: "text"; text: string }[];
  name?: string;
};

export type ChatCompletionParameters = {
  /** Registered model id (decimal) or name. */
  model: string | bigint;
  messages: ChatMessage[];
  /** The app's end user; becomes a salted pseudonymous receipt userId. */
  user?: string;
  temperature?: number;
  max_tokens?: number;
  /** Retries with the same key return the same completion and receipt. */
  idempotencyKey?: string;
  /** Wallet-signed request instead of the API key. */
  wallet?: WalletRequestAuth;
};

/** The OpenAI-compatible completion without the `kho_receipt` field (unknown extra fields are kept). */
export type ChatCompletion = {
  id?: string;
  object?: string;
  created?: number;
  model?: string;
  choices: { index?: number; message: { role: string; content: string | null }; finish_reason?: string | null }[];
  usage?: Record<string, unknown>;
  [field: string]: unknown;
};
export type ChatCompletionReturnType = { completion: ChatCompletion; receipt: KhoReceipt };

export type ReceiptBatchInclusion = {
  batchId: bigint;
  relayer: Address;
  root: Hex;
  status: string;
  dataURI: string;
  leaf: Hex;
  proof: Hex[];
};
export type GetReceiptReturnType = {
  receipt: KhoReceipt;
  status: "unbatched" | "batched" | "expired";
  /** Where the receipt was committed, with its Merkle proof; null until batched. */
  batch: ReceiptBatchInclusion | null;
};

export type RelayerBatchFile = BatchFile & {
  /** keccak256 of the file bytes as served: compare with the ledger's `dataHash`. */
  dataHash: Hex;
};

export type RelayerModel = {
  id: bigint;
  name: string;
  locale: string;
  communityId: bigint;
  builder: Address;
};

export type RelayerClient = {
  baseUrl: string;
  chatCompletion(parameters: ChatCompletionParameters): Promise<ChatCompletionReturnType>;
  /** By request id or receipt hash (both 32-byte hex). */
  getReceipt(idOrHash: Hex): Promise<GetReceiptReturnType>;
  /** A batch file of this relayer, or of another relayer it stored. */
  getBatch(batchId: bigint, relayer?: Address): Promise<RelayerBatchFile>;
  /** Active registered models the relayer serves. */
  listModels(): Promise<RelayerModel[]>;
};

export type CreateRelayerClientErrorType = KhoInputError;
export type RelayerClientErrorType = RelayerRequestError | KhoInputError;

/** A typed client for a Kho relayer's HTTP API. */
export function createRelayerClient(parameters: CreateRelayerClientParameters): RelayerClient {
  let base: URL;
  try {
    base = new URL(parameters.baseUrl);
  } catch {
    throw new KhoInputError(`relayer URL "${parameters.baseUrl}" is not a URL`);
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") {
    throw new KhoInputError(`relayer URL "${parameters.baseUrl}" must start with http:// or https://`);
  }
  const baseUrl = base.toString().replace(/\/+$/, "");
  const doFetch = parameters.fetch ?? fetch;
  const timeoutMs = parameters.timeoutMs ?? 60_000;

  async function request(path: string, init: RequestInit = {}): Promise<{ text: string; bytes: Uint8Array }> {
    let response: Response;
    try {
      response = await doFetch(`${baseUrl}${path}`, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (cause) {
      throw new RelayerRequestError(`cannot reach the relayer at ${baseUrl}`, 0, undefined, { cause });
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    const text = new TextDecoder().decode(bytes);
    if (!response.ok) {
      const parsed = errorWireSchema.safeParse(safeJson(text));
      const message = parsed.success ? parsed.data.error.message : `HTTP ${response.status} ${response.statusText}`;
      throw new RelayerRequestError(
        `the relayer refused ${init.method ?? "GET"} ${path}: ${message}`,
        response.status,
        parsed.success ? parsed.data.error.code : undefined,
      );
    }
    return { text, bytes };
  }

  function parse<schema extends z.ZodType>(schema: schema, text: string, what: string): z.output<schema> {
    const result = schema.safeParse(safeJson(text));
    if (!result.success) {
      throw new RelayerRequestError(
        `the relayer sent an unreadable ${what}: ${describeZodIssue(result.error)}`,
        200,
        undefined,
        { cause: result.error },
      );
    }
    return result.data;
  }

  /** The numeric model id the wallet signs: given directly, or looked up by name in GET /v1/models. */
  async function modelIdOf(model: string | bigint): Promise<bigint> {
    if (typeof model === "bigint") return model;
    if (/^[0-9]+$/.test(model)) return BigInt(model);
    const { text } = await request("/v1/models");
    const found = parse(modelListWireSchema, text, "model list").data.find((m) => m.name === model);
    if (!found) throw new RelayerRequestError(`the relayer serves no model named "${model}"`, 404, "model_not_found");
    return BigInt(found.modelId);
  }

  async function walletHeaders(
    model: string | bigint,
    body: ChatRequestBody,
    auth: WalletRequestAuth,
  ): Promise<Record<string, string>> {
    const domain = auth.domain ?? parameters.domain;
    if (domain === undefined) {
      throw new KhoInputError("a wallet-signed request needs the ledger domain: pass `domain` to createRelayerClient");
    }
    const message = {
      user: auth.account.address,
      modelId: await modelIdOf(model),
      // The relayer hashes the canonical JSON of the body it forwards, exactly as sent.
      inputHash: chatInputHash(body),
      nonce: auth.nonce,
      deadline: auth.deadline,
      maxFee: auth.maxFee,
    };
    const signature = await auth.account.signTypedData({
      domain: usageLedgerDomain(domain.chainId, domain.ledger),
      types: inferenceRequestTypes,
      primaryType: "InferenceRequest",
      message,
    });
    return {
      "x-kho-user": auth.account.address,
      "x-kho-nonce": auth.nonce.toString(),
      "x-kho-deadline": auth.deadline.toString(),
      "x-kho-max-fee": auth.maxFee.toString(),
      "x-kho-signature": signature,
    };
  }

  return {
    baseUrl,

    async chatCompletion(p) {
      const body = {
        model: typeof p.model === "bigint" ? p.model.toString() : p.model,
        messages: p.messages,
        ...(p.user === undefined ? {} : { user: p.user }),
        ...(p.temperature === undefined ? {} : { temperature: p.temperature }),
        ...(p.max_tokens === undefined ? {} : { max_tokens: p.max_tokens }),
      };
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (p.wallet !== undefined) Object.assign(headers, await walletHeaders(p.model, body, p.wallet));
      else if (parameters.apiKey !== undefined) headers.authorization = `Bearer ${parameters.apiKey}`;
      if (p.idempotencyKey !== undefined) headers["idempotency-key"] = p.idempotencyKey;
      const { text } = await request("/v1/chat/completions", { method: "POST", headers, body: JSON.stringify(body) });
      const { kho_receipt, ...completion } = parse(chatCompletionWireSchema, text, "chat completion");
      return { completion, receipt: kho_receipt };
    },

    async getReceipt(idOrHash) {
      if (!/^0x[0-9a-fA-F]{64}$/.test(idOrHash)) {
        throw new KhoInputError(`receipt id "${idOrHash}" is not a 32-byte hex request id or receipt hash`);
      }
      const { text } = await request(`/v1/receipts/${idOrHash}`);
      const w = parse(receiptLookupWireSchema, text, "receipt");
      return {
        receipt: w.receipt,
        status: w.status,
        batch:
          w.batch === null
            ? null
            : {
                batchId: BigInt(w.batch.batchId),
                relayer: toAddress(w.batch.relayer, "batch relayer"),
                root: w.batch.root as Hex,
                status: w.batch.status,
                dataURI: w.batch.dataURI,
                leaf: w.batch.leaf as Hex,
                proof: w.batch.proof as Hex[],
              },
      };
    },

    async getBatch(batchId, relayer) {
      if (typeof batchId !== "bigint" || batchId < 1n) {
        throw new KhoInputError(`batch id "${String(batchId)}" is not a positive integer`);
      }
      const path =
        relayer === undefined ? `/v1/batches/${batchId}` : `/v1/batches/${toAddress(relayer, "relayer")}/${batchId}`;
      const { bytes } = await request(path);
      let file: BatchFile;
      try {
        file = parseBatchFile(bytes);
      } catch (cause) {
        if (!(cause instanceof BatchFileError)) throw cause;
        throw new RelayerRequestError(`the relayer sent an unreadable batch file: ${cause.reason}`, 200, undefined, {
          cause,
        });
      }
      // Hash of the exact bytes served: the ledger commits to the file's bytes, not to its parsed content.
      return { ...file, dataHash: keccak256Hex(bytes) };
    },

    async listModels() {
      const { text } = await request("/v1/models");
      return parse(modelListWireSchema, text, "model list").data.map((m) => ({
        id: BigInt(m.modelId),
        name: m.name,
        locale: m.locale,
        communityId: BigInt(m.communityId),
        builder: toAddress(m.builder, "builder"),
      }));
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
