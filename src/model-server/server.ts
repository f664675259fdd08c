import type { AddressInfo } from "node:net";
import type { Hex } from "viem";
import { createModelServerApp, defaultModelName } from "./app";
import { datasetContentHash } from "../protocol/dataset-content-hash";
import { loadDataset } from "./dataset/load-dataset";
import type { Dataset } from "../protocol/dataset-file";
import { KhoError } from "../protocol/errors";

export type StartModelServerParameters = {
  datasetPath: string;
  /** 0 picks a free port. */
  port: number;
  host?: string;
  modelName?: string;
  bodyLimit?: string;
  /**
   * The dataset version the model is pinned to on chain (`ModelRegistry.linkedDatasetVersion`'s
   * content hash): the server refuses to start from a file that is another version, so what it cites
   * is what the chain names.
   */
  pinnedContentHash?: Hex;
};

export type StartModelServerReturnType = {
  /** Base URL without a path, e.g. http://127.0.0.1:8000; OpenAI clients use `${url}/v1`. */
  url: string;
  modelName: string;
  dataset: Dataset;
  contentHash: Hex;
  /** Stops accepting connections, drops open keep-alive sockets, resolves when closed. Idempotent. */
  close(): Promise<void>;
};

export type StartModelServerErrorType = StartModelServerError;

export class StartModelServerError extends KhoError {
  override name = "StartModelServerError";
  readonly code = "model_server_start_failed";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export async function startModelServer({
  datasetPath,
  port,
  host = "127.0.0.1",
  modelName,
  bodyLimit,
  pinnedContentHash,
}: StartModelServerParameters): Promise<StartModelServerReturnType> {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new StartModelServerError(`Port must be an integer from 0 to 65535, got ${port}.`);
  }
  const dataset = loadDataset(datasetPath);
  const contentHash = datasetContentHash(dataset);
  if (pinnedContentHash !== undefined && pinnedContentHash.toLowerCase() !== contentHash) {
    throw new StartModelServerError(
      `Dataset file ${datasetPath} is ${dataset.id} v${dataset.version} with contentHash ${contentHash}, ` +
        `not the pinned version ${pinnedContentHash}.`,
    );
  }
  const name = modelName ?? defaultModelName(dataset);
  const app = createModelServerApp({ dataset, modelName: name, bodyLimit });

  const server = await new Promise<ReturnType<typeof app.listen>>((resolve, reject) => {
    const s = app.listen(port, host);
    s.once("listening", () => resolve(s));
    s.once("error", (cause: NodeJS.ErrnoException) =>
      reject(
        new StartModelServerError(`Cannot listen on ${host}:${port} (${cause.code ?? cause.message}).`, { cause }),
      ),
    );
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = host.includes(":") ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      // Clients like the openai package keep connections alive; without this close() would wait for them.
      server.closeAllConnections();
    });
    return closing;
  };

  return {
    url: `http://${hostForUrl}:${address.port}`,
    modelName: name,
    dataset,
    contentHash,
    close,
  };
}
