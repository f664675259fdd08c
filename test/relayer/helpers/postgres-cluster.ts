import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "../../../src/devnet/free-port";

const run = promisify(execFile);
const PG_ROOT = "/usr/lib/postgresql";

export type PostgresCluster = {
  /** postgres://… URL of the cluster's `postgres` database, over TCP on 127.0.0.1. */
  url: string;
  /** A fresh, empty database on the cluster; returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server (immediate mode) and deletes its directory. */
  stop(): Promise<void>;
};

/** Debian's newest installed PostgreSQL bin directory, or a clear error naming the package to install. */
function binDir(): string {
  const versions = fs.existsSync(PG_ROOT)
    ? fs
        .readdirSync(PG_ROOT)
        .filter((v) => fs.existsSync(path.join(PG_ROOT, v, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(
      `PostgreSQL is not installed (no ${PG_ROOT}/*/bin/initdb): run \`apt-get install -y postgresql\` (.ci/run does).`,
    );
  }
  return path.join(PG_ROOT, versions[0]!, "bin");
}

/**
 * Starts a throwaway PostgreSQL cluster in a temp dir: trust auth, 127.0.0.1 on a free port, its
 * unix socket in the same dir, fsync off (the test kills relayers, never the database). PostgreSQL
 * refuses to run as root, so as root the cluster belongs to the `postgres` user (runuser).
 */
export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = binDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kho-pg-"));
  const data = path.join(dir, "data");
  const asRoot = process.getuid?.() === 0;
  const exec = async (file: string, args: string[]) => {
    const [cmd, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", file, ...args]] : [file, args];
    try {
      return await run(cmd, argv, { cwd: dir });
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      throw new Error(`${path.basename(file)} failed: ${(e.stderr ?? "").trim() || e.message}`, { cause: error });
    }
  };
  if (asRoot) await run("chown", ["postgres:postgres", dir]);
  const port = await freePort();
  let started = false;
  try {
    await exec(path.join(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
    await exec(path.join(bin, "pg_ctl"), [
      "-D",
      data,
      "-l",
      path.join(dir, "server.log"),
      "-w",
      "-t",
      "60",
      "-o",
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=100`,
      "start",
    ]);
    started = true;
  } catch (error) {
    const log = fs.existsSync(path.join(dir, "server.log"))
      ? fs.readFileSync(path.join(dir, "server.log"), "utf8")
      : "";
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`the throwaway PostgreSQL cluster did not start: ${(error as Error).message}\n${log}`.trim(), {
      cause: error,
    });
  }
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    async createDatabase(name) {
      await exec(path.join(bin, "createdb"), ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", name]);
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      try {
        if (started) await exec(path.join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
