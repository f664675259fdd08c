import type { Response } from "express";
import type { Logger } from "pino";
import { StreamedMessageAssembler } from "../../protocol/chat-stream";
import { relayerErrorFromUpstream } from "../errors";
import type { StreamEvent } from "../ports";
import type { RelayerStore, StoreTx } from "../store";
import type { ReceiptWriter } from "../store/receipt-writer";
import {
  type ChatCall,
  type ServeChatCompletionDeps,
  type SignedCallReceipt,
  openChatCompletionStream,
  signAndPersistReceipt,
} from "./chat-completion";

export type StreamChatCompletionDeps = ServeChatCompletionDeps & {
  store: RelayerStore;
  receiptWriter: ReceiptWriter;
};

/** The receipt's writes, in the transaction `tx` that makes it durable. */
export async function insertReceipt(
  tx: StoreTx,
  deps: Pick<StreamChatCompletionDeps, "signer">,
  signed: SignedCallReceipt,
): Promise<void> {
  await tx.receipts.insert({
    receipt: signed.receipt,
    hash: signed.hash,
    signature: signed.signature,
    signer: deps.signer.address,
    operator: signed.operator,
    attribution: signed.attribution,
  });
  // The receipt's fee now counts as unsettled spend in place of the reservation. A free call has
  // none (FeeReservations.reserve writes nothing for a zero price): no DELETE on its receipt's path.
  if (signed.receipt.fee !== 0n) await tx.fees.release(signed.receipt.requestId);
}

function waitForDrain(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/**
 * Answers one `stream: true` call with server-sent events: the upstream's events are forwarded as
 * they arrive (their data unchanged), then one `chat.completion.chunk` with empty `choices` and the
 * signed `kho_receipt`, then `data: [DONE]`. The receipt commits to the message assembled from the
 * forwarded chunks (assembleStreamedMessage) and to the `kho_attribution` of the last forwarded chunk
 * that carries one (a backend reports it once, on its finish chunk).
 *
 * What is receipted (and so charged) when the stream ends early:
 * - the client disconnects after at least one chunk with output was written to it: a receipt over
 *   exactly the chunks written, retrievable by the X-Kho-Request-Id header's request id;
 * - the client disconnects before that: no receipt (never a fee for nothing delivered);
 * - the deployment fails, times out or exceeds the byte cap mid-stream: no receipt (the caller is not
 *   charged for a broken answer); the stream ends with an OpenAI error event and no [DONE].
 *
 * Resolves true when a receipt was stored. Failures before the first event are thrown (after
 * failover) while the response is still untouched, so they answer as ordinary JSON errors.
 */
export async function streamChatCompletion(
  deps: StreamChatCompletionDeps,
  call: ChatCall,
  res: Response,
): Promise<boolean> {
  const opened = await openChatCompletionStream(deps, call);
  const log = (res.req as { log?: Logger }).log;
  res.status(200);
  res.setHeader("Content-Type", "text/event-stream; charset=utf-8");
  res.setHeader("Cache-Control", "no-cache");
  res.setHeader("X-Accel-Buffering", "no");
  res.setHeader("X-Kho-Request-Id", call.requestId);
  res.flushHeaders();

  const assembler = new StreamedMessageAssembler();
  // Like the message, the attribution is what reached the client: a finish chunk never written cites nothing.
  let attribution: unknown;
  const clientGone = () => call.signal?.aborted === true || res.destroyed;
  const write = async (data: string) => {
    if (!res.write(`data: ${data}\n\n`)) await waitForDrain(res);
  };
  const deliver = async (event: StreamEvent) => {
    if (clientGone()) return;
    await write(event.data);
    // Only what was handed to the client's socket counts as delivered.
    if (clientGone()) return;
    assembler.add(event.chunk);
    if (event.chunk.kho_attribution !== undefined) attribution = event.chunk.kho_attribution;
  };
  const receipt = () =>
    signAndPersistReceipt(deps, {
      call,
      deployment: opened.deployment,
      output: assembler.message(),
      attribution,
      log,
      persist: (signed) => deps.receiptWriter.submit((tx) => insertReceipt(tx, deps, signed)),
    });

  try {
    await deliver(opened.first);
    for await (const event of opened.rest) await deliver(event);
  } catch (error) {
    if (clientGone()) {
      if (!assembler.hasOutput) return false;
      await receipt();
      return true;
    }
    const relayerError = relayerErrorFromUpstream(error);
    log?.warn({ err: error, code: relayerError.code }, "The model deployment failed mid-stream.");
    deps.health.recordFailure(opened.deployment.id, relayerError.code);
    res.end(`data: ${JSON.stringify(relayerError.toBody())}\n\n`);
    return false;
  }
  if (clientGone() && !assembler.hasOutput) return false;

  let signed: SignedCallReceipt;
  try {
    signed = await receipt();
  } catch (error) {
    log?.error({ err: error }, "The streamed call's receipt could not be stored.");
    res.end(
      `data: ${JSON.stringify({ error: { message: "The receipt could not be stored.", type: "server_error", param: null, code: "internal_error" } })}\n\n`,
    );
    return false;
  }
  const head = opened.first.chunk;
  const receiptChunk = {
    id: head.id,
    object: "chat.completion.chunk",
    created: head.created,
    model: head.model,
    choices: [],
    kho_receipt: signed.json,
  };
  if (!clientGone()) {
    await write(JSON.stringify(receiptChunk));
    res.end("data: [DONE]\n\n");
  }
  return true;
}
