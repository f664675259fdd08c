import { readFileSync } from "node:fs";
import type { z } from "zod";
import { type Dataset, datasetSchema } from "../../protocol/dataset-file";
import { KhoError } from "../../protocol/errors";

export type LoadDatasetErrorType = LoadDatasetError;

export class LoadDatasetError extends KhoError {
  override name = "LoadDatasetError";
  readonly code = "dataset_invalid";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Validates an already-parsed JSON value as a dataset; `source` names it in the error message. */
export function parseDataset(value: unknown, source = "dataset"): Dataset {
  const result = datasetSchema.safeParse(value);
  if (!result.success) {
    throw new LoadDatasetError(`${source} is not a valid dataset: ${describeIssue(result.error)}.`, {
      cause: result.error,
    });
  }
  return result.data;
}

export type LoadDatasetParameters = string;
export type LoadDatasetReturnType = Dataset;

/** Reads, parses and validates a dataset file, failing with one sentence that names the problem. */
export function loadDataset(path: LoadDatasetParameters): LoadDatasetReturnType {
  let raw: string;
  try {
    raw = readFileSync(path, "utf8");
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? "unknown error";
    throw new LoadDatasetError(`Cannot read dataset file ${path} (${code}).`, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (cause) {
    throw new LoadDatasetError(`Dataset file ${path} is not valid JSON: ${(cause as Error).message}.`, { cause });
  }
  return parseDataset(json, `Dataset file ${path}`);
}

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  const path = issue.path.length === 0 ? "(root)" : issue.path.map(String).join(".");
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem(s))` : "";
  return `${path} ${issue.message}${more}`;
}
