import { randomBytes } from "node:crypto";
import { type Address, type Hex, bytesToHex, keccak256, toBytes } from "viem";
import { type InferenceReceipt, UserKind, ZERO_BYTES32, addressUserId, epochAt, saltedUserId } from "../../protocol";
import { type Caller, callerPayer } from "../auth/caller";
import { canonicalJsonHash } from "../../protocol/canonical-json";
import { chatInputHash } from "../../protocol/input-hash";
import { RelayerError, relayerErrorFromUpstream } from "../errors";
import type { RelayerMetrics } from "../metrics";
import type {
  ChatCompletion,
  Clock,
  EpochSchedule,
  ModelDirectory,
  RegisteredModel,
  UpstreamForwarder,
} from "../ports";
import { type KhoReceiptJson, signedReceiptToJson } from "../../protocol/receipt-json";
import type { ChatCompletionRequest } from "../schemas";
import { upstreamCompletionSchema } from "../schemas";
import type { ReceiptSigner } from "../signer/signer";
import type { DeploymentSelector } from "./deployment-selector";

export type ServeChatCompletionDeps = {
  directory: ModelDirectory;
  selector: DeploymentSelector;
  forward: UpstreamForwarder;
  signer: ReceiptSigner;
  schedule: EpochSchedule;
  clock: Clock;
  userIdSalt: Hex;
  metrics: RelayerMetrics;
};

export type ServeChatCompletionParameters = {
  request: ChatCompletionRequest;
  model: RegisteredModel;
  caller: Caller;
  /** Derived from the Idempotency-Key when there is one, random otherwise. */
  requestId: Hex;
  /** inputHashOf(request), computed once by the caller (wallet requests also need it to verify the signature). */
  inputHash: Hex;
  /** The model's price when the call was accepted (already reserved against the payer's escrow). */
  fee: bigint;
  /** Aborted when the client goes away: the upstream call is cancelled with it. */
  signal?: AbortSignal;
};

export type ServedChatCompletion = {
  receipt: InferenceReceipt;
  hash: Hex;
  signature: Hex;
  /** Operator of the deployment that served the call: the batch settlement credits it the fee. */
  operator: Address;
  body: ChatCompletion & { kho_receipt: KhoReceiptJson };
};

/** Receipt request id for an idempotent request: stable per caller and key, unguessable without both. */
export function idempotentRequestId(callerId: string, key: string): Hex {
  return keccak256(toBytes(`kho-request:${callerId}:${key}`));
}

export function randomRequestId(): Hex {
  return bytesToHex(randomBytes(32));
}

/** The receipt's inputHash; the same function SDK clients use to sign wallet requests. */
export function inputHashOf(request: Pick<ChatCompletionRequest, "messages">): Hex {
  return chatInputHash(request.messages);
}

function userIdentity(
  caller: Caller,
  appUser: string | undefined,
  salt: Hex,
): Pick<InferenceReceipt, "userId" | "userKind" | "userAuth"> {
  if (caller.kind === "wallet") {
    return { userId: addressUserId(caller.user), userKind: UserKind.Wallet, userAuth: caller.digest };
  }
  if (appUser === undefined) {
    return { userId: addressUserId(caller.owner), userKind: UserKind.KeyOwner, userAuth: ZERO_BYTES32 };
  }
  return { userId: saltedUserId(salt, caller.owner, appUser), userKind: UserKind.SaltedHash, userAuth: ZERO_BYTES32 };
}

/**
 * Forwards one chat completion to an Active deployment of `model` and signs the receipt. Nothing
 * is persisted here: the caller stores the receipt (with the idempotency record and the wallet
 * nonce) in one transaction before answering.
 */
export async function serveChatCompletion(
  deps: ServeChatCompletionDeps,
  params: ServeChatCompletionParameters,
): Promise<ServedChatCompletion> {
  const { request, model } = params;
  const deployment = deps.selector.pick(model.id, await deps.directory.activeDeployments(model.id));
  if (!deployment) throw new RelayerError("no_deployment", `Model ${model.id} has no active deployment right now.`);

  const upstreamBody: Record<string, unknown> = { model: model.name, messages: request.messages };
  if (request.temperature !== undefined) upstreamBody.temperature = request.temperature;
  if (request.max_tokens !== undefined) upstreamBody.max_tokens = request.max_tokens;

  const started = process.hrtime.bigint();
  let completion: ChatCompletion;
  try {
    ({ completion } = await deps.forward({ endpoint: deployment.endpoint, body: upstreamBody, signal: params.signal }));
  } catch (error) {
    deps.metrics.upstreamLatency.observe({ outcome: "error" }, Number(process.hrtime.bigint() - started) / 1e9);
    throw relayerErrorFromUpstream(error);
  }
  deps.metrics.upstreamLatency.observe({ outcome: "ok" }, Number(process.hrtime.bigint() - started) / 1e9);

  const parsed = upstreamCompletionSchema.safeParse(completion);
  if (!parsed.success) {
    throw new RelayerError("upstream_error", "The model deployment answered without a chat completion message.");
  }
  const timestamp = deps.clock.now();
  const receipt: InferenceReceipt = {
    requestId: params.requestId,
    modelId: model.id,
    deploymentId: deployment.id,
    communityId: model.communityId,
    ...userIdentity(params.caller, request.user, deps.userIdSalt),
    inputHash: params.inputHash,
    outputHash: canonicalJsonHash(parsed.data.choices[0]!.message),
    timestamp,
    epoch: epochAt(deps.schedule, timestamp),
    fee: params.fee,
    payer: callerPayer(params.caller),
  };

  const signStarted = process.hrtime.bigint();
  const [signed] = await deps.signer.signReceipts([receipt]);
  deps.metrics.signingLatency.observe(Number(process.hrtime.bigint() - signStarted) / 1e9);
  if (!signed) throw new RelayerError("internal_error", "The receipt could not be signed.");

  const signer: Address = deps.signer.address;
  const khoReceipt: KhoReceiptJson = { ...signedReceiptToJson(receipt, signed.hash, signed.signature), signer };
  return {
    receipt,
    hash: signed.hash,
    signature: signed.signature,
    operator: deployment.operator,
    body: { ...completion, kho_receipt: khoReceipt },
  };
}
