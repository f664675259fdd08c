/**
 * Child process of the relayer-throughput bench: hosts the stub upstream and drives load, so the
 * load generator's CPU is not charged to the relayer's event loop. Talks to its parent over IPC
 * and exits when done or when the parent goes away.
 */
import { runLoad } from "./load";
import type { LoadProcessMessage, PhaseResult, RunLoadMessage } from "./messages";
import { startStubUpstream } from "./stub-upstream";

function send(message: LoadProcessMessage): void {
  process.send?.(message);
}

function chatBody(model: string) {
  return (i: number) => ({
    model,
    messages: [{ role: "user", content: `Làm cá kho thế nào? (${i})` }],
    user: `app-user-${i % 200}`,
  });
}

function hasReceipt(body: string): string | null {
  const parsed = JSON.parse(body) as { kho_receipt?: { signature?: unknown } };
  return typeof parsed.kho_receipt?.signature === "string" ? null : "the answer carries no signed kho_receipt";
}

async function main(): Promise<void> {
  if (!process.send) throw new Error("load-process must be started with an IPC channel (child_process.fork)");
  const stub = await startStubUpstream();
  process.on("disconnect", () => {
    void stub.close().then(() => process.exit(1));
  });
  const run = await new Promise<RunLoadMessage>((resolve) => {
    process.once("message", (msg: RunLoadMessage) => resolve(msg));
    send({ type: "stub", url: stub.url });
  });
  try {
    const stubTarget = { url: `${stub.url}/v1/chat/completions`, headers: {} };
    const relayerTarget = {
      url: `${run.relayerUrl}/v1/chat/completions`,
      headers: { authorization: `Bearer ${run.apiKey}` },
      check: hasReceipt,
    };
    const common = { deadlineMs: run.deadlineMs, body: chatBody(run.model) };
    const warmup = { ...common, requests: run.warmup, concurrency: run.phases[0]?.concurrency ?? 1 };
    await runLoad({ ...stubTarget, ...warmup });
    const warm = await runLoad({ ...relayerTarget, ...warmup });
    if (warm.errors > 0) throw new Error(`relayer warm-up failed: ${warm.firstError}`);
    const phases: PhaseResult[] = [];
    for (const phase of run.phases) {
      const stubResult = await runLoad({ ...stubTarget, ...common, ...phase });
      const relayerResult = await runLoad({ ...relayerTarget, ...common, ...phase });
      phases.push({ ...phase, stub: stubResult, relayer: relayerResult });
    }
    send({ type: "result", phases });
  } catch (error) {
    send({ type: "error", message: error instanceof Error ? error.message : String(error) });
  } finally {
    await stub.close();
    process.disconnect();
  }
}

main().catch((error: unknown) => {
  send({ type: "error", message: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
});
