/**
 * Child process of the relayer-throughput bench: hosts the stub upstream and drives load, so the
 * load generator's CPU is not charged to the relayer's event loop. Talks to its parent over IPC
 * (one `run` message per target, then `done`) and exits when done or when the parent goes away.
 */
import { type LoadParameters, type LoadResult, runLoad } from "./load";
import type { DoneMessage, LoadProcessMessage, RunLoadMessage } from "./messages";
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

async function runTarget(stubUrl: string, run: RunLoadMessage): Promise<LoadResult[]> {
  const url = `${run.target.kind === "stub" ? stubUrl : run.target.url}/v1/chat/completions`;
  const target: Pick<LoadParameters, "url" | "headers" | "check"> =
    run.target.kind === "relayer"
      ? { url, headers: { authorization: `Bearer ${run.target.apiKey}` }, check: hasReceipt }
      : { url, headers: {} };
  const common = { ...target, deadlineMs: run.deadlineMs, body: chatBody(run.model) };
  const first = run.phases[0]?.shape;
  const warm = await runLoad({
    ...common,
    requests: run.warmup,
    shape: { concurrency: first && "concurrency" in first ? first.concurrency : 32 },
  });
  if (warm.errors > 0) throw new Error(`warm-up failed: ${warm.firstError}`);
  const results: LoadResult[] = [];
  for (const phase of run.phases) results.push(await runLoad({ ...common, ...phase }));
  return results;
}

async function main(): Promise<void> {
  if (!process.send) throw new Error("load-process must be started with an IPC channel (child_process.fork)");
  const stub = await startStubUpstream();
  const finish = () => {
    void stub.close().then(() => process.disconnect());
  };
  process.on("disconnect", () => {
    void stub.close().then(() => process.exit(0));
  });
  // Runs one at a time, in the order they arrive.
  let queue = Promise.resolve();
  process.on("message", (msg: RunLoadMessage | DoneMessage) => {
    queue = queue.then(async () => {
      if (msg.type === "done") return finish();
      try {
        send({ type: "result", results: await runTarget(stub.url, msg) });
      } catch (error) {
        send({ type: "error", message: error instanceof Error ? error.message : String(error) });
      }
    });
  });
  send({ type: "stub", url: stub.url });
}

main().catch((error: unknown) => {
  send({ type: "error", message: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
});
