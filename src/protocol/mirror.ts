import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Hex } from "viem";
import { KhoError } from "./errors";

/**
 * Content-addressed mirrors of batch files, reward trees and dataset version files (docs/protocol.md
 * "Mirrors"). An object is stored under the hash the chain commits for it (a batch file's
 * `dataHash`, a reward tree's Merkle root, a dataset version's content hash) as lowercase `0x`
 * hex: `<dir>/<hash>` or `<base URL>/<hash>`. Not in the protocol index: this file needs Node (it
 * reads and writes directories).
 */
export type Mirror =
  | { kind: "dir"; path: string; label: string }
  | {
      kind: "http";
      /** Base URL without credentials or trailing slash. */
      url: string;
      /** `Basic …` from credentials written in the URL (`https://user:pass@host/…`), sent with every request. */
      authorization: string | null;
      /** The URL without credentials, for logs, metrics and errors. */
      label: string;
    };

export class MirrorSpecError extends KhoError {
  override name = "MirrorSpecError";
  readonly code = "mirror_spec_invalid";
}

/** A mirror answered, but not with the object (missing, refused, unreachable). */
export class MirrorTransferError extends KhoError {
  override name = "MirrorTransferError";
  readonly code = "mirror_transfer_failed";
}

/**
 * One mirror from its spec: `dir:<path>` (relative paths are resolved against `cwd`) or an
 * `http(s)://` base URL. IPFS and S3 are refused by name: they are not supported yet.
 */
export function parseMirror(spec: string, cwd: string = process.cwd()): Mirror {
  const text = spec.trim();
  if (text.startsWith("dir:")) {
    const dir = text.slice(4);
    if (dir === "") throw new MirrorSpecError(`Mirror "${spec}" names no directory (write dir:/path/to/dir).`);
    const resolved = path.resolve(cwd, dir);
    return { kind: "dir", path: resolved, label: `dir:${resolved}` };
  }
  if (/^(ipfs|s3|ipns):/i.test(text)) {
    throw new MirrorSpecError(
      `Mirror "${spec}" is not supported yet: only dir:<path> and http(s):// mirrors are (docs/operations.md "Mirrors").`,
    );
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new MirrorSpecError(`Mirror "${spec}" is neither dir:<path> nor an http(s):// URL.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new MirrorSpecError(`Mirror "${spec}" uses ${url.protocol}; only dir:<path> and http(s):// are supported.`);
  }
  if (url.search !== "" || url.hash !== "") {
    throw new MirrorSpecError(`Mirror "${url.origin}${url.pathname}" must not have a query or fragment.`);
  }
  const authorization =
    url.username === "" && url.password === ""
      ? null
      : `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64")}`;
  url.username = "";
  url.password = "";
  const base = url.href.replace(/\/+$/, "");
  return { kind: "http", url: base, authorization, label: base };
}

/** A comma-separated list of mirror specs (`KHO_BATCH_MIRRORS`, `KHO_MIRRORS`, repeated `--mirror`). */
export function parseMirrorList(specs: string | readonly string[], cwd?: string): Mirror[] {
  const items = (typeof specs === "string" ? [specs] : specs).flatMap((s) => s.split(","));
  return items.filter((s) => s.trim() !== "").map((s) => parseMirror(s, cwd));
}

/** The name an object has on every mirror: its committed hash, lowercase. */
export function mirrorObjectName(hash: Hex): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(hash)) throw new RangeError(`${hash} is not a 32-byte hash`);
  return hash.toLowerCase();
}

/** Where an object lives on a mirror: a file path or a URL. */
export function mirrorObjectLocation(mirror: Mirror, hash: Hex): string {
  const name = mirrorObjectName(hash);
  return mirror.kind === "dir" ? path.join(mirror.path, name) : `${mirror.url}/${name}`;
}

function headers(mirror: Mirror & { kind: "http" }): Record<string, string> {
  return mirror.authorization === null ? {} : { authorization: mirror.authorization };
}

function why(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return "has no such file";
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return `${error.message}${cause}`;
  }
  return String(error);
}

/** The bytes a mirror holds under `hash`; the caller checks them against the hash. */
export async function getMirrorObject(mirror: Mirror, hash: Hex, options: { timeoutMs?: number } = {}) {
  const where = mirrorObjectLocation(mirror, hash);
  if (mirror.kind === "dir") {
    try {
      return new Uint8Array(await readFile(where));
    } catch (cause) {
      throw new MirrorTransferError(`${mirror.label} ${why(cause)} for ${hash}.`, { cause });
    }
  }
  let response: Response;
  try {
    response = await fetch(where, {
      headers: headers(mirror),
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      redirect: "follow",
    });
  } catch (cause) {
    throw new MirrorTransferError(`${mirror.label} could not be reached (${why(cause)}).`, { cause });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new MirrorTransferError(`${mirror.label} answered HTTP ${response.status} for ${hash}.`);
  }
  return new Uint8Array(await response.arrayBuffer());
}

/** Whether the mirror already holds `hash` (a directory: the file exists; HTTP: HEAD answers 2xx). */
export async function hasMirrorObject(mirror: Mirror, hash: Hex, options: { timeoutMs?: number } = {}) {
  const where = mirrorObjectLocation(mirror, hash);
  if (mirror.kind === "dir") {
    try {
      return (await stat(where)).isFile();
    } catch {
      return false;
    }
  }
  try {
    const response = await fetch(where, {
      method: "HEAD",
      headers: headers(mirror),
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Stores `bytes` under `hash`: a directory gets a temporary file renamed into place (readers never
 * see half a file); an HTTP mirror gets `PUT <base>/<hash>` and must answer 2xx. The caller
 * guarantees that `bytes` are what `hash` commits to.
 */
export async function putMirrorObject(
  mirror: Mirror,
  hash: Hex,
  bytes: Uint8Array,
  options: { timeoutMs?: number } = {},
): Promise<void> {
  const where = mirrorObjectLocation(mirror, hash);
  if (mirror.kind === "dir") {
    try {
      await mkdir(mirror.path, { recursive: true });
      const temporary = `${where}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(temporary, bytes, { flush: true });
      await rename(temporary, where);
      return;
    } catch (cause) {
      throw new MirrorTransferError(`${mirror.label} could not store ${hash} (${why(cause)}).`, { cause });
    }
  }
  let response: Response;
  try {
    response = await fetch(where, {
      method: "PUT",
      headers: { ...headers(mirror), "content-type": "application/octet-stream" },
      body: bytes,
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
  } catch (cause) {
    throw new MirrorTransferError(`${mirror.label} could not be reached (${why(cause)}).`, { cause });
  }
  await response.body?.cancel();
  if (!response.ok) throw new MirrorTransferError(`${mirror.label} refused ${hash} with HTTP ${response.status}.`);
}
