import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { type Address, type Hex, keccak256, toBytes } from "viem";
import { type InferenceReceipt, UserKind, ZERO_BYTES32, addressUserId, epochAt, saltedUserId } from "../../protocol";
import { type AttributedEntry, attributionHash } from "../../protocol/attribution";
import { type Caller, callerPayer } from "../auth/caller";
import { canonicalJson } from "../../protocol/canonical-json";
import { chatInputCanonicalJson, chatInputHash } from "../../protocol/input-hash";
import { RelayerError, relayerErrorFromUpstream } from "../errors";
import type { RelayerMetrics } from "../metrics";
import type {
  ChatCompletion,
  Clock,
  EpochSchedule,
  ModelDeployment,
  ModelDirectory,
  RegisteredModel,
  StreamEvent,
  UpstreamForwarder,
} from "../ports";
import { type KhoReceiptJson, signedReceiptToJson } from "../../protocol/receipt-json";
import type { ChatCompletionRequest } from "../schemas";
import { upstreamCompletionSchema } from "../schemas";
import type { HashPreimage, ReceiptSigner, ReceiptToSign } from "../signer/signer";
import { isStoreBusy } from "../store/errors";
import { UpstreamError, UpstreamHttpError, UpstreamInvalidResponseError } from "../upstream/errors";
import { acceptAttribution } from "./backend-attribution";
import type { DeploymentHealth } from "./deployment-health";
import type { DeploymentSelector } from "./deployment-selector";

export type ServeChatCompletionDeps = {
  directory: ModelDirectory;
  selector: DeploymentSelector;
  health: DeploymentHealth;
  forward: UpstreamForwarder;
  signer: ReceiptSigner;
  schedule: EpochSchedule;
  clock: Clock;
  userIdSalt: Hex;
  metrics: RelayerMetrics;
};

/** One authenticated call: what the receipt will say about who asked what of which model. */
export type ChatCall = {
  request: ChatCompletionRequest;
  model: RegisteredModel;
  caller: Caller;
  /** Derived from the Idempotency-Key when there is one, random otherwise. */
  requestId: Hex;
  /**
   * inputHashOf(request) when the caller needed it (a wallet request's signature covers it), else
   * inputPreimageOf(request): the signing worker hashes it, off the event loop.
   */
  inputHash: Hex | HashPreimage;
  /** The model's price when the call was accepted (already reserved against the payer's escrow). */
  fee: bigint;
  /** Aborted when the client goes away: the upstream call is cancelled with it. */
  signal?: AbortSignal;
};

export type SignedCallReceipt = {
  receipt: InferenceReceipt;
  hash: Hex;
  signature: Hex;
  json: KhoReceiptJson;
  /** The dataset entries `receipt.attributionHash` commits to, normalized; empty when none. */
  attribution: AttributedEntry[];
  /** Operator of the deployment that served the call: the batch settlement credits it the fee. */
  operator: Address;
};

/** At most this many deployments are tried for one call (each failed try can cost a full upstream timeout). */
const MAX_ATTEMPTS = 3;

/** Receipt request id for an idempotent request: stable per caller and key, unguessable without both. */
export function idempotentRequestId(callerId: string, key: string): Hex {
  return keccak256(toBytes(`kho-request:${callerId}:${key}`));
}

export function randomRequestId(): Hex {
  return `0x${randomBytes(32).toString("hex")}`;
}

/** The receipt's inputHash; the same function SDK clients use to sign wallet requests. */
export function inputHashOf(request: ChatCompletionRequest): Hex {
  return chatInputHash(request);
}

/** What inputHashOf hashes, for the signing worker to hash. */
export function inputPreimageOf(request: ChatCompletionRequest): HashPreimage {
  return { canonicalJson: chatInputCanonicalJson(request) };
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

/** What goes upstream: the request as sent, with the registered name as `model` and without `user`. */
function upstreamBody(call: ChatCall): Record<string, unknown> {
  const { user: _user, ...forwarded } = call.request;
  return { ...forwarded, model: call.model.name };
}

/**
 * A failure that says something about the deployment (so another one should be tried and the
 * breaker counts it), as opposed to the caller leaving, the request itself being refused (400, 413,
 * 422: any deployment would refuse it) or the answer being too long for the relayer's cap.
 */
function isDeploymentFault(error: unknown): boolean {
  if (!(error instanceof UpstreamError)) return false;
  if (error instanceof UpstreamHttpError) return ![400, 413, 422].includes(error.status);
  return !["upstream_aborted", "upstream_invalid_request", "upstream_response_too_large"].includes(error.code);
}

/**
 * Calls the model's deployments in the selector's order until one answers: a deployment that fails
 * before anything reached the caller is skipped, its breaker told, and the next one tried.
 */
async function withFailover<T>(
  deps: ServeChatCompletionDeps,
  call: ChatCall,
  attempt: (deployment: ModelDeployment) => Promise<T>,
): Promise<{ deployment: ModelDeployment; result: T }> {
  const active = await deps.directory.activeDeployments(call.model.id);
  const candidates = deps.selector
    .order(call.model.id, active, (d) => deps.health.isAvailable(d.id))
    .slice(0, MAX_ATTEMPTS);
  if (candidates.length === 0) {
    throw new RelayerError("no_deployment", `Model ${call.model.name} has no active deployment right now.`);
  }
  let lastError: unknown;
  for (const deployment of candidates) {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    deps.health.begin(deployment.id);
    try {
      const result = await attempt(deployment);
      deps.metrics.upstreamLatency.observe({ outcome: "ok" }, seconds());
      deps.health.recordSuccess(deployment.id);
      return { deployment, result };
    } catch (error) {
      deps.metrics.upstreamLatency.observe({ outcome: "error" }, seconds());
      if (!isDeploymentFault(error) || call.signal?.aborted) throw relayerErrorFromUpstream(error);
      deps.health.recordFailure(deployment.id, (error as UpstreamError).code);
      deps.metrics.upstreamFailovers.inc();
      lastError = error;
    }
  }
  throw relayerErrorFromUpstream(lastError);
}

export type ServedCompletion = { deployment: ModelDeployment; completion: ChatCompletion; message: unknown };

/** Forwards one non-streaming call, failing over between deployments; nothing is signed yet. */
export async function serveChatCompletion(deps: ServeChatCompletionDeps, call: ChatCall): Promise<ServedCompletion> {
  const body = upstreamBody(call);
  const { deployment, result } = await withFailover(deps, call, async (d) => {
    const { completion } = await deps.forward.complete({ deployment: d, body, signal: call.signal });
    const parsed = upstreamCompletionSchema.safeParse(completion);
    if (!parsed.success) {
      throw new UpstreamInvalidResponseError("The model deployment answered without a chat completion message.");
    }
    return { completion, message: parsed.data.choices[0]!.message };
  });
  return { deployment, ...result };
}

export type OpenedStream = {
  deployment: ModelDeployment;
  /** The first event, already received: a deployment that cannot produce one is failed over. */
  first: StreamEvent;
  rest: AsyncGenerator<StreamEvent, void, undefined>;
};

/** Opens one streaming call, failing over until a deployment has produced its first event. */
export async function openChatCompletionStream(deps: ServeChatCompletionDeps, call: ChatCall): Promise<OpenedStream> {
  const body = upstreamBody(call);
  const { deployment, result } = await withFailover(deps, call, async (d) => {
    const { events } = await deps.forward.stream({ deployment: d, body, signal: call.signal });
    const first = await events.next();
    if (first.done) throw new UpstreamInvalidResponseError("The model deployment's stream ended without an event.");
    return { first: first.value, rest: events };
  });
  return { deployment, ...result };
}

/**
 * Signs the receipt for what a call delivered (`output`: the assembled message choice 0 carried;
 * `attribution`: the backend's `kho_attribution` for it, accepted or counted and dropped by
 * acceptAttribution) and persists it through `persist`, which stores it durably (with the idempotent response when
 * there is one) before anything names it to the client. This is the one place a served call is
 * accounted for, streamed or not.
 */
export async function signAndPersistReceipt(
  deps: ServeChatCompletionDeps,
  params: {
    call: ChatCall;
    deployment: ModelDeployment;
    output: unknown;
    attribution: unknown;
    log?: Logger;
    persist: (signed: SignedCallReceipt) => Promise<void>;
  },
): Promise<SignedCallReceipt> {
  const { call, deployment } = params;
  const attribution = acceptAttribution({
    reported: params.attribution,
    deploymentId: deployment.id,
    metrics: deps.metrics,
    log: params.log,
  });
  const timestamp = deps.clock.now();
  const draft: ReceiptToSign = {
    requestId: call.requestId,
    modelId: call.model.id,
    deploymentId: deployment.id,
    communityId: call.model.communityId,
    ...userIdentity(call.caller, call.request.user, deps.userIdSalt),
    inputHash: call.inputHash,
    // canonicalJsonHash(output), hashed by the signing worker.
    outputHash: { canonicalJson: canonicalJson(params.output) },
    timestamp,
    epoch: epochAt(deps.schedule, timestamp),
    fee: call.fee,
    payer: callerPayer(call.caller),
    // A short list, usually empty (the zero hash): hashed here, not sent to the signing worker.
    attributionHash: attributionHash(attribution),
  };
  const signStarted = process.hrtime.bigint();
  const [signed] = await deps.signer.signReceipts([draft]);
  deps.metrics.signingLatency.observe(Number(process.hrtime.bigint() - signStarted) / 1e9);
  if (!signed) throw new RelayerError("internal_error", "The receipt could not be signed.");
  const receipt: InferenceReceipt = { ...draft, inputHash: signed.inputHash, outputHash: signed.outputHash };
  const json: KhoReceiptJson = {
    ...signedReceiptToJson(receipt, signed.hash, signed.signature, attribution),
    signer: deps.signer.address,
  };
  const result = {
    receipt,
    hash: signed.hash,
    signature: signed.signature,
    json,
    attribution,
    operator: deployment.operator,
  };
  try {
    await params.persist(result);
  } catch (error) {
    // Signed but not stored: the client gets an error, never the receipt, so nothing is lost
    // silently, but it is counted so an operator sees the store failing.
    deps.metrics.receiptsDropped.inc({ reason: isStoreBusy(error) ? "store_busy" : "store_error" });
    throw error;
  }
  deps.metrics.receiptsSigned.inc();
  return result;
}
