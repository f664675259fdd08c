import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { type Server, createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LongRunningKho, startKho } from "./helpers/long-running-kho";
import { assertBuilt, errorLine, runKho } from "./helpers/run-kho";

const DATASET = path.resolve(__dirname, "..", "..", "datasets", "vi-VN-home-cooking.json");

describe("kho model serve (built binary)", () => {
  let cwd: string;
  let server: LongRunningKho | undefined;
  let occupied: Server | undefined;

  beforeAll(() => {
    assertBuilt();
    // A user's checkout: the dataset path is relative to where kho runs.
    cwd = mkdtempSync(path.join(os.tmpdir(), "kho-model-serve-"));
    mkdirSync(path.join(cwd, "datasets"));
    copyFileSync(DATASET, path.join(cwd, "datasets", "vi-VN-home-cooking.json"));
    writeFileSync(path.join(cwd, "datasets", "broken.json"), "{ not json");
  });
  afterAll(async () => {
    server?.kill();
    await new Promise<void>((resolve) => (occupied ? occupied.close(() => resolve()) : resolve()));
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it("serves the dataset on a free port, answers chat completions, and exits 0 on SIGINT", async () => {
    server = startKho(["model", "serve", "--dataset", "datasets/vi-VN-home-cooking.json", "--port", "0"], { cwd });
    const [, base] = await server.waitForStdout(
      /^OpenAI-compatible API at (http:\/\/127\.0\.0\.1:\d+)\/v1 — press Ctrl\+C to stop\.$/m,
      30_000,
    );
    expect(server.stdout()).toMatch(
      /^Serving model kho-vi-VN-home-cooking from dataset vi-VN\/home-cooking v1 \(\d+ entries, contentHash 0x[0-9a-f]{64}\)\.\n/,
    );

    const models = (await (await fetch(`${base}/v1/models`)).json()) as { data: { id: string }[] };
    expect(models.data.map((m) => m.id)).toEqual(["kho-vi-VN-home-cooking"]);

    const ask = (model: string) =>
      fetch(`${base}/v1/chat/completions`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ model, messages: [{ role: "user", content: "Tôi nấu cá kho thế nào?" }] }),
      });
    const answered = await ask("kho-vi-VN-home-cooking");
    expect(answered.status).toBe(200);
    const completion = (await answered.json()) as {
      object: string;
      model: string;
      choices: { message: { role: string; content: string }; finish_reason: string }[];
    };
    expect(completion).toMatchObject({
      object: "chat.completion",
      model: "kho-vi-VN-home-cooking",
      choices: [{ message: { role: "assistant" }, finish_reason: "stop" }],
    });
    expect(completion.choices[0]!.message.content).toMatch(/nồi đất/);
    const unknown = await ask("gpt-4o");
    expect(unknown.status).toBe(404);

    const exit = await server.stop("SIGINT", 10_000);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(server.stdout()).toMatch(/Received SIGINT, shutting down the model server\.\n$/);
    expect(server.stderr()).toBe("");
    await expect(fetch(`${base}/health`)).rejects.toThrow();
  });

  it("fails with one sentence for a bad dataset, a bad port and a busy port", async () => {
    occupied = createServer();
    const busyPort = await new Promise<number>((resolve) =>
      occupied!.listen(0, "127.0.0.1", () => resolve((occupied!.address() as { port: number }).port)),
    );
    const serve = (dataset: string, port: string) =>
      runKho(["model", "serve", "--dataset", dataset, "--port", port], { cwd, timeoutMs: 30_000 });
    const [missing, broken, tooHigh, notNumber, busy] = await Promise.all([
      serve("datasets/missing.json", "0"),
      serve("datasets/broken.json", "0"),
      serve("datasets/vi-VN-home-cooking.json", "70000"),
      serve("datasets/vi-VN-home-cooking.json", "eighty"),
      serve("datasets/vi-VN-home-cooking.json", String(busyPort)),
    ]);
    for (const run of [missing, broken, tooHigh, notNumber, busy]) {
      expect(run.code, run.stderr).toBe(1);
      expect(run.stdout).toBe("");
    }
    expect(errorLine(missing)).toBe("kho: Cannot read dataset file datasets/missing.json (ENOENT).");
    expect(errorLine(broken)).toMatch(/^kho: Dataset file datasets\/broken\.json is not valid JSON: /);
    expect(errorLine(tooHigh)).toBe("kho: --port must be at most 65535.");
    expect(errorLine(notNumber)).toBe("kho: --port must be a number.");
    expect(errorLine(busy)).toBe(`kho: Cannot listen on 127.0.0.1:${busyPort} (EADDRINUSE).`);
  });
});
