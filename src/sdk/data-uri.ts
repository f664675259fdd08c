import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { KhoDataUriError } from "./errors";

export type FetchDataUriParameters = {
  uri: string;
  /** Per-attempt timeout for http(s) in milliseconds (default 30 s). */
  timeoutMs?: number;
  /** Extra attempts after a failed http(s) fetch (default 2): transient errors must not change a result. */
  retries?: number;
};
export type FetchDataUriReturnType = Uint8Array;
export type FetchDataUriErrorType = KhoDataUriError;

async function fetchHttp(uri: string, timeoutMs: number): Promise<Uint8Array> {
  const response = await fetch(uri, { signal: AbortSignal.timeout(timeoutMs), redirect: "follow" });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * The exact bytes behind a batch or tree data URI: `file://` for files on this machine and
 * `http(s)://` (e.g. the relayer's `GET /v1/batches/:relayer/:id`). Callers hash these bytes, so
 * nothing here decodes or normalizes them.
 */
export async function fetchDataUri(parameters: FetchDataUriParameters): Promise<FetchDataUriReturnType> {
  const { uri, timeoutMs = 30_000, retries = 2 } = parameters;
  let url: URL;
  try {
    url = new URL(uri);
  } catch (cause) {
    throw new KhoDataUriError(`Data URI "${uri}" is not a URL.`, { cause });
  }
  if (url.protocol === "file:") {
    try {
      return new Uint8Array(await readFile(fileURLToPath(url)));
    } catch (cause) {
      throw new KhoDataUriError(`Cannot read ${uri}.`, { cause });
    }
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new KhoDataUriError(
      `Data URI "${uri}" uses ${url.protocol}; only file://, http:// and https:// are supported.`,
    );
  }
  let lastError: unknown;
  for (let attempt = 0; attempt <= retries; attempt++) {
    try {
      return await fetchHttp(uri, timeoutMs);
    } catch (error) {
      lastError = error;
    }
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new KhoDataUriError(`Cannot fetch ${uri} (${reason}).`, { cause: lastError });
}
