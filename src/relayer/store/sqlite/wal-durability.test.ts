import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type SqliteRelayerStore, openSqliteStore } from "./store";

const OWNER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

let dir: string;
let store: SqliteRelayerStore;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "kho-wal-"));
  store = openSqliteStore(path.join(dir, "relayer.sqlite"));
});

afterEach(async () => {
  vi.restoreAllMocks();
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Holds every fsync until released, recording the file each one was for. */
function holdFsyncs() {
  const held: (() => void)[] = [];
  const real = fs.fsync;
  vi.spyOn(fs, "fsync").mockImplementation(((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
    held.push(() => real(fd, callback));
  }) as typeof fs.fsync);
  return {
    count: () => held.length,
    releaseAll: () => held.splice(0).forEach((release) => release()),
  };
}

const nonceClaim = (n: number) => store.nonces.claim(OWNER, BigInt(n), 1_700_000_000);

describe("SQLite store durability off the event loop", () => {
  it("commits without a synchronous fsync and checkpoints outside the writing connection", () => {
    expect(store.db.pragma("synchronous", { simple: true })).toBe(1);
    expect(store.db.pragma("wal_autocheckpoint", { simple: true })).toBe(0);
  });

  it("resolves a transaction only after an fsync of the WAL that started after its COMMIT", async () => {
    const fsyncs = holdFsyncs();
    let resolved = false;
    const write = store
      .transaction(async (tx) => {
        await tx.nonces.claim(OWNER, 1n, 1_700_000_000);
      })
      .then(() => (resolved = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(fsyncs.count()).toBe(1);
    expect(resolved).toBe(false);
    fsyncs.releaseAll();
    await write;
    expect(resolved).toBe(true);
  });

  it("makes a write outside a transaction wait for the fsync too, and a read not", async () => {
    const fsyncs = holdFsyncs();
    let claimed = false;
    const claim = nonceClaim(7).then(() => (claimed = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(claimed).toBe(false);
    expect(fsyncs.count()).toBe(1);
    fsyncs.releaseAll();
    await claim;
    await store.apiKeys.list();
    expect(fsyncs.count()).toBe(0);
  });

  it("shares one fsync among the commits made while another was running", async () => {
    const fsyncs = holdFsyncs();
    const first = nonceClaim(1);
    await new Promise((r) => setTimeout(r, 10));
    // These commit while the first fsync runs: it may have started before them, so they wait for the next.
    let later = 0;
    const rest = [2, 3, 4, 5].map((n) => nonceClaim(n).then(() => later++));
    await new Promise((r) => setTimeout(r, 10));
    expect(fsyncs.count()).toBe(1);
    fsyncs.releaseAll();
    await first;
    await new Promise((r) => setTimeout(r, 10));
    expect(later).toBe(0);
    expect(fsyncs.count()).toBe(1);
    fsyncs.releaseAll();
    await Promise.all(rest);
    expect(later).toBe(4);
  });
});
