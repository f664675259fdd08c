/**
 * The relayer-throughput bench's reference: the relayer as it was before issue 13 (REFERENCE_COMMIT),
 * exported from git into a temporary directory with this checkout's node_modules linked in, so the
 * full bench can run that commit's relayer (with that commit's contracts, deployed by its own chain
 * process) under the same load driver, in the same run, as today's code.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Logger } from "pino";
import type { RelayerConfig } from "../../src/relayer/config";
import { BenchError } from "../lib/types";

/** Before issue 13's relayer work: a new upstream connection per call, hashing on the main thread. */
export const REFERENCE_COMMIT = "fb6155c";

/**
 * What the bench calls in the reference tree. At that commit the store was synchronous
 * (better-sqlite3 only), so openStore, createApiKey and close may return plain values.
 */
type ReferenceStore = { close(): unknown };
type ReferenceModules = {
  startRelayer(config: RelayerConfig, options: { logger: Logger }): Promise<{ url: string; close(): Promise<void> }>;
  openStore(file: string): ReferenceStore | Promise<ReferenceStore>;
  createApiKey(
    store: ReferenceStore,
    params: { owner: string; label: string },
  ): { key: string } | Promise<{ key: string }>;
};

export type ReferenceTree = {
  root: string;
  commit: string;
  modules(): ReferenceModules;
  remove(): void;
};

const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** Exports REFERENCE_COMMIT's files (git archive) into a temporary directory beside its own artifacts. */
export function exportReferenceTree(): ReferenceTree {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `kho-bench-reference-${REFERENCE_COMMIT}-`));
  try {
    const commit = execFileSync("git", ["-C", REPO_ROOT, "rev-parse", `${REFERENCE_COMMIT}^{commit}`], {
      encoding: "utf8",
    }).trim();
    const archive = execFileSync("git", ["-C", REPO_ROOT, "archive", "--format=tar", commit], {
      maxBuffer: 1 << 30,
    });
    execFileSync("tar", ["-x", "-C", root], { input: archive });
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(root, "node_modules"), "dir");
    return {
      root,
      commit,
      modules: () => {
        const load = (file: string): unknown =>
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          require(path.join(root, file));
        return {
          ...(load("src/relayer/server") as Pick<ReferenceModules, "startRelayer">),
          ...(load("src/relayer/store") as Pick<ReferenceModules, "openStore">),
          ...(load("src/relayer/auth/api-keys") as Pick<ReferenceModules, "createApiKey">),
        };
      },
      remove: () => fs.rmSync(root, { recursive: true, force: true }),
    };
  } catch (error) {
    fs.rmSync(root, { recursive: true, force: true });
    throw new BenchError(
      `Could not export the reference commit ${REFERENCE_COMMIT} from git (the full bench needs the repository's history): ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
