import type { Hex } from "viem";
import { z } from "zod";
import { type StartModelServerReturnType, startModelServer } from "./server";
import { KhoError } from "../protocol/errors";

export const DEFAULT_MODEL_SERVER_PORT = 8000;

const optionsSchema = z.object({
  dataset: z.string().min(1, "--dataset <file> is required"),
  port: z.coerce
    .number({ error: "--port must be a number" })
    .int("--port must be an integer")
    .min(0, "--port must be at least 0")
    .max(65535, "--port must be at most 65535")
    .default(DEFAULT_MODEL_SERVER_PORT),
  host: z.string().min(1, "--host must not be empty").default("127.0.0.1"),
  model: z.string().min(1, "--model must not be empty").optional(),
  contentHash: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, "--content-hash must be a 32-byte 0x hex hash")
    .transform((s) => s as Hex)
    .optional(),
});

/** Options of `kho model serve`, as commander passes them (the port may still be a string). */
export type ServeModelCommandOptions = {
  dataset: string;
  port?: number | string;
  host?: string;
  model?: string;
  /** Serve only this dataset version (its on-chain content hash). */
  contentHash?: string;
};

/** What the command needs from the process; tests pass fakes. */
export type ServeModelCommandIo = {
  log: (line: string) => void;
  signals: {
    once(signal: "SIGINT" | "SIGTERM", listener: () => void): unknown;
    off(signal: "SIGINT" | "SIGTERM", listener: () => void): unknown;
  };
};

export type ServeModelCommandReturnType = StartModelServerReturnType & {
  /** Resolves once the server has shut down, after a signal or a call to `close()`. */
  closed: Promise<void>;
};

export type ServeModelCommandErrorType = ServeModelCommandError;

export class ServeModelCommandError extends KhoError {
  override name = "ServeModelCommandError";
  readonly code = "serve_model_failed";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * `kho model serve`: loads the dataset, starts the OpenAI-compatible server, prints where it is,
 * and shuts it down cleanly on SIGINT or SIGTERM.
 */
export async function serveModelCommand(
  options: ServeModelCommandOptions,
  io: ServeModelCommandIo = { log: (line) => console.log(line), signals: process },
): Promise<ServeModelCommandReturnType> {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new ServeModelCommandError(`${parsed.error.issues[0]!.message}.`, { cause: parsed.error });
  }
  const { dataset, port, host, model, contentHash } = parsed.data;
  const server = await startModelServer({
    datasetPath: dataset,
    port,
    host,
    modelName: model,
    pinnedContentHash: contentHash,
  });

  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  const onSignal = (signal: "SIGINT" | "SIGTERM") => () => {
    io.log(`Received ${signal}, shutting down the model server.`);
    void close();
  };
  const onInt = onSignal("SIGINT");
  const onTerm = onSignal("SIGTERM");
  const close = async () => {
    io.signals.off("SIGINT", onInt);
    io.signals.off("SIGTERM", onTerm);
    await server.close();
    resolveClosed();
  };
  io.signals.once("SIGINT", onInt);
  io.signals.once("SIGTERM", onTerm);

  const d = server.dataset;
  io.log(
    `Serving model ${server.modelName} from dataset ${d.id} v${d.version} ` +
      `(${d.entries.length} entries, contentHash ${server.contentHash}).`,
  );
  io.log(`OpenAI-compatible API at ${server.url}/v1 — press Ctrl+C to stop.`);
  return { ...server, close, closed };
}
