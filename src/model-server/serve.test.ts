import { EventEmitter } from "node:events";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type ServeModelCommandIo, serveModelCommand } from "./serve";
import { startModelServer } from "./server";

const DATASET = join(__dirname, "../../datasets/vi-VN-home-cooking.json");

function fakeIo() {
  const lines: string[] = [];
  const signals = new EventEmitter();
  const io: ServeModelCommandIo = {
    log: (line) => lines.push(line),
    signals: {
      once: (signal, listener) => signals.once(signal, listener),
      off: (signal, listener) => signals.off(signal, listener),
    },
  };
  return { io, lines, signals };
}

describe("serveModelCommand", () => {
  it("prints the URL, serves, and shuts down cleanly on SIGTERM", async () => {
    const { io, lines, signals } = fakeIo();
    const served = await serveModelCommand({ dataset: DATASET, port: "0" }, io);
    expect(lines.join("\n")).toContain(`OpenAI-compatible API at ${served.url}/v1`);
    expect(lines[0]).toMatch(
      /^Serving model kho-vi-VN-home-cooking from dataset vi-VN\/home-cooking v1 \(\d+ entries, contentHash 0x[0-9a-f]{64}\)\.$/,
    );
    const health = await fetch(`${served.url}/health`);
    expect(health.status).toBe(200);

    signals.emit("SIGTERM");
    await served.closed;
    expect(lines).toContain("Received SIGTERM, shutting down the model server.");
    expect(signals.listenerCount("SIGINT")).toBe(0);
    expect(signals.listenerCount("SIGTERM")).toBe(0);
    await expect(fetch(`${served.url}/health`)).rejects.toThrow();
  });

  it("also stops on SIGINT and when closed directly", async () => {
    const first = fakeIo();
    const a = await serveModelCommand({ dataset: DATASET, port: 0, model: "my-model" }, first.io);
    expect(a.modelName).toBe("my-model");
    first.signals.emit("SIGINT");
    await a.closed;

    const second = fakeIo();
    const b = await serveModelCommand({ dataset: DATASET, port: 0 }, second.io);
    await b.close();
    await b.closed;
    expect(second.signals.listenerCount("SIGINT")).toBe(0);
  });

  it.each([
    [{ dataset: "", port: 0 }, /^--dataset <file> is required\.$/],
    [{ dataset: DATASET, port: "eighty" }, /^--port must be a number\.$/],
    [{ dataset: DATASET, port: 70000 }, /^--port must be at most 65535\.$/],
    [{ dataset: DATASET, port: 1.5 }, /^--port must be an integer\.$/],
    [{ dataset: "/no/such/file.json", port: 0 }, /^Cannot read dataset file \/no\/such\/file\.json \(ENOENT\)\.$/],
    [{ dataset: DATASET, port: 0, contentHash: "0x12" }, /^--content-hash must be a 32-byte 0x hex hash\.$/],
    [
      { dataset: DATASET, port: 0, contentHash: `0x${"ab".repeat(32)}` },
      /^Dataset file .*vi-VN-home-cooking\.json is vi-VN\/home-cooking v\d+ with contentHash 0x[0-9a-f]{64}, not the pinned version 0x(ab){32}\.$/,
    ],
  ])("rejects %o with one sentence", async (options, message) => {
    await expect(serveModelCommand(options, fakeIo().io)).rejects.toThrow(message);
  });

  it("serves the version it is pinned to", async () => {
    const unpinned = await startModelServer({ datasetPath: DATASET, port: 0 });
    await unpinned.close();
    const pinned = await serveModelCommand(
      { dataset: DATASET, port: 0, contentHash: unpinned.contentHash.toUpperCase().replace("0X", "0x") },
      fakeIo().io,
    );
    const health = (await (await fetch(`${pinned.url}/health`)).json()) as { dataset: { contentHash: string } };
    expect(health.dataset.contentHash).toBe(unpinned.contentHash);
    await pinned.close();
  });

  it("reports a port that is already taken", async () => {
    const taken = await startModelServer({ datasetPath: DATASET, port: 0 });
    const port = Number(new URL(taken.url).port);
    try {
      await expect(serveModelCommand({ dataset: DATASET, port }, fakeIo().io)).rejects.toThrow(
        `Cannot listen on 127.0.0.1:${port} (EADDRINUSE).`,
      );
    } finally {
      await taken.close();
    }
  });
});
