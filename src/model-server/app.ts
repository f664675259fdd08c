import express, { type Express, type NextFunction, type Request, type Response } from "express";
import { datasetContentHash } from "../protocol/dataset-content-hash";
import type { Dataset } from "../protocol/dataset-file";
import { chatCompletionChunks, createChatCompletion } from "./http/chat-completion";
import { parseChatCompletionRequest } from "./http/chat-completion-request";
import { HttpError, toHttpError } from "./http/errors";
import { DEFAULT_MIN_COVERAGE, createRetrievalModel } from "./retrieval/model";
import { KhoError } from "../protocol/errors";

export const DEFAULT_BODY_LIMIT = "64kb";

/** "vi-VN/home-cooking" → "kho-vi-VN-home-cooking": a model id that names the dataset it answers from. */
export function defaultModelName(dataset: Pick<Dataset, "id">): string {
  return `kho-${dataset.id.replace("/", "-")}`;
}

export type CreateModelServerAppParameters = {
  dataset: Dataset;
  /** The id clients must send as `model`; defaults to `defaultModelName(dataset)`. */
  modelName?: string;
  /** Largest accepted request body, in body-parser's notation ("64kb"). */
  bodyLimit?: string;
  /** Clock for the `created` field, in milliseconds; injectable so tests can compare whole responses. */
  now?: () => number;
  /** Share of a question's content words the best entry must contain to be answered from. */
  minCoverage?: number;
};

export type CreateModelServerAppErrorType = CreateModelServerAppError;

export class CreateModelServerAppError extends KhoError {
  override name = "CreateModelServerAppError";
  readonly code = "model_server_config_invalid";
}

export function createModelServerApp({
  dataset,
  modelName = defaultModelName(dataset),
  bodyLimit = DEFAULT_BODY_LIMIT,
  now = Date.now,
  minCoverage = DEFAULT_MIN_COVERAGE,
}: CreateModelServerAppParameters): Express {
  if (!/^[\w.:/-]{1,256}$/.test(modelName)) {
    throw new CreateModelServerAppError(
      `Model name "${modelName}" must be 1–256 letters, digits or the characters . _ : / -.`,
    );
  }
  const model = createRetrievalModel({ dataset, minCoverage });
  const datasetHash = datasetContentHash(dataset);
  const modelObject = { id: modelName, object: "model", created: 0, owned_by: "kho" } as const;

  const app = express();
  app.disable("x-powered-by");

  app.get("/health", (_req, res) => {
    res.json({
      status: "ok",
      model: modelName,
      dataset: {
        id: dataset.id,
        version: dataset.version,
        locale: dataset.locale,
        entries: dataset.entries.length,
        contentHash: datasetHash,
      },
    });
  });

  app.get("/v1/models", (_req, res) => {
    res.json({ object: "list", data: [modelObject] });
  });

  app.get("/v1/models/:model", (req, res) => {
    if (req.params.model !== modelName) {
      throw new HttpError(404, "model_not_found", `The model '${req.params.model}' does not exist.`, "model");
    }
    res.json(modelObject);
  });

  app.post(
    "/v1/chat/completions",
    (req: Request, _res: Response, next: NextFunction) => {
      // Checked before parsing: express.json() silently skips other types, which would surface
      // as a confusing "body must be an object" instead of the real problem.
      if (!req.is("application/json")) {
        throw new HttpError(415, "unsupported_media_type", "The request Content-Type must be application/json.");
      }
      next();
    },
    express.json({ limit: bodyLimit, strict: true }),
    (req: Request, res: Response) => {
      const request = parseChatCompletionRequest(req.body);
      const completion = createChatCompletion({
        model,
        modelName,
        datasetHash,
        request,
        created: Math.floor(now() / 1000),
      });
      if (request.stream !== true) {
        res.json(completion);
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
      for (const chunk of chatCompletionChunks(completion, request.stream_options?.include_usage === true)) {
        res.write(`data: ${JSON.stringify(chunk)}\n\n`);
      }
      res.end("data: [DONE]\n\n");
    },
  );

  app.all(["/health", "/v1/models", "/v1/chat/completions"], (req) => {
    throw new HttpError(405, "method_not_allowed", `Method ${req.method} is not allowed on ${req.path}.`);
  });

  app.use((req) => {
    throw new HttpError(404, "not_found", `No route for ${req.method} ${req.path}.`);
  });

  // Express recognizes error middleware by its four parameters, so `_next` must stay.
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const httpError = toHttpError(error, bodyLimit);
    if (res.headersSent) return;
    res.status(httpError.status).json(httpError.toBody());
  });

  return app;
}
