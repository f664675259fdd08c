import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { type Address, type Hex, keccak256, parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDataset } from "../../src/model-server";
import { acceptContributions, createContribution } from "../../src/model-server/dataset/contributions";
import { type AttributedEntry, attributionHash } from "../../src/protocol/attribution";
import { datasetContentHash } from "../../src/protocol/dataset-content-hash";
import type { Dataset } from "../../src/protocol/dataset-file";
import { type Mirror, mirrorObjectLocation, parseMirror, putMirrorObject } from "../../src/protocol/mirror";
import { type EpochComputation, createRewardsPipeline, verifyEpoch, writeEpochOutput } from "../../src/rewards";
import { publishDatasetVersion, publishEpoch } from "../../src/sdk";
import {
  GRACE,
  ROLE,
  type RewardsWorld,
  type SignedReceipt,
  makeReceipt,
  signReceipt,
  startRewardsWorld,
  submitBatchFile,
} from "./helpers/rewards-world";

const BUDGET = parseEther("1000");
const ENTRY = {
  id: "ca-kho-to-mien-tay",
  title: { vi: "Cá kho tộ kiểu miền Tây", en: "Mekong-delta cá kho tộ" },
  tags: ["miền Tây", "nước dừa"],
  answer: { vi: "Kho cá lóc đồng với nước dừa xiêm.", en: "Braise wild snakehead with young coconut water." },
};

describe("contributor payouts recomputed from public data", () => {
  let world: RewardsWorld;
  let contributor: Address;
  let version: Dataset;
  let contentHash: Hex;
  /** Where the steward published the version's file (its URI on chain). */
  let publishedFile: string;
  /** A directory mirror holding the batch files and the version file, named by the hashes the chain commits. */
  let mirror: Mirror;
  let posted: EpochComputation;
  const params = { dayLengthSeconds: 3600 };

  beforeAll(async () => {
    world = await startRewardsWorld();
    contributor = world.address(ROLE.carol);
    const base = loadDataset("datasets/vi-VN-home-cooking.json");
    version = acceptContributions(base, [createContribution(base, ENTRY, contributor)]);
    contentHash = datasetContentHash(version);
    mirror = parseMirror(`dir:${path.join(world.dir, "mirror")}`);
  });
  afterAll(async () => {
    await world?.close();
  });

  it("pays the entry's contributor for the returning members whose answers cited it, in the posted root", async () => {
    const t0 = await world.chain.latestTimestamp();
    publishedFile = path.join(world.dir, "steward", "vi-VN-home-cooking.v2.json");
    await mkdir(path.dirname(publishedFile), { recursive: true });
    await writeFile(publishedFile, JSON.stringify(version, null, 2));
    // The builder is the community's steward in this world, so it may publish the dataset's versions.
    await publishDatasetVersion(world.client(ROLE.builder), {
      datasetId: world.datasetId,
      uri: pathToFileURL(publishedFile).href,
      contentHash,
    });

    const cites: AttributedEntry[] = [{ contentHash, entryId: ENTRY.id }];
    const original: AttributedEntry[] = [{ contentHash, entryId: "ca-kho-to" }];
    const call = (user: Address, at: bigint, attribution: AttributedEntry[]): Promise<SignedReceipt> => {
      const receipt = { ...makeReceipt(world, user, t0 + at, 0n), attributionHash: attributionHash(attribution) };
      return signReceipt(world, receipt, ROLE.relayer).then((s) => ({ ...s, attribution }));
    };
    const [alice, bob] = [world.address(ROLE.alice), world.address(ROLE.bob)];
    // Alice and Bob come back on three "days" (an hour each here) to the answer built on Carol's entry.
    const receipts = [
      await call(alice, 60n, cites),
      await call(alice, 3700n, cites),
      await call(alice, 7300n, cites),
      await call(bob, 120n, cites),
      await call(bob, 3800n, cites),
      await call(bob, 7400n, original),
    ];
    await world.chain.setTime(t0 + 7500n);
    const batch = await submitBatchFile(world, { relayerIndex: ROLE.relayer, batchId: 1n, epoch: 0n, receipts });
    await putMirrorObject(mirror, keccak256(batch.bytes), batch.bytes);
    await putMirrorObject(mirror, contentHash, await readFile(publishedFile));
    await world.chain.setTime(world.epochStart(1n) + GRACE + 1n);

    const poster = createRewardsPipeline({ client: world.client(), params });
    try {
      posted = await poster.computeEpoch({ epoch: 0n, budget: BUDGET });
    } finally {
      await poster.close();
    }
    const { result, summary } = posted;
    expect(summary.datasets).toEqual([
      {
        datasetId: world.datasetId,
        version: 2n,
        contentHash,
        uri: pathToFileURL(publishedFile).href,
        entries: version.entries.length,
        credited: 1,
      },
    ]);
    expect(result.entries).toHaveLength(1);
    expect(result.entries[0]).toMatchObject({ datasetId: world.datasetId, entryId: ENTRY.id });
    const paid = result.accounts.find((a) => a.account.toLowerCase() === contributor.toLowerCase())!;
    expect(paid.byRole.contributor).toBe(result.entries[0]!.amount);
    expect(paid.byRole.contributor).toBeGreaterThan(0n);
    const written = await writeEpochOutput({ outDir: path.join(world.dir, "epochs"), computation: posted });
    expect(await readFile(written.files.report, "utf8")).toContain(`| ${world.datasetId} | ${ENTRY.id} |`);

    await publishEpoch(world.client(ROLE.admin), {
      tree: posted.tree,
      budget: posted.summary.budget.budget,
      previousTotal: posted.summary.budget.previousTotal,
      dataURI: pathToFileURL(written.files.tree).href,
    });
  });

  it("lets a verifier with only chain events and a mirror recompute the same contributor payouts and root", async () => {
    // The relayer's batch file and the steward's copy are gone: only the mirror and the chain remain.
    await rm(path.join(world.dir, `batch-${world.address(ROLE.relayer)}-1.json`));
    await rm(publishedFile);
    const verifier = createRewardsPipeline({ client: world.client(), params, mirrors: [mirror], verification: "full" });
    try {
      const check = await verifyEpoch({ pipeline: verifier, client: world.client(), epoch: 0n });
      expect(check).toMatchObject({ equal: true, status: "pending", computedRoot: posted.tree.root });
      expect(check.computation.result.entries).toEqual(posted.result.entries);
      const payouts = (c: EpochComputation) => c.result.accounts.map((a) => [a.account, a.byRole.contributor]);
      expect(payouts(check.computation)).toEqual(payouts(posted));
      expect(check.computation.summary.datasets).toEqual(posted.summary.datasets);
    } finally {
      await verifier.close();
    }
  });

  it("refuses a version file whose contributor was changed, wherever it comes from", async () => {
    const thief = world.address(ROLE.rogue);
    const tampered = {
      ...version,
      entries: version.entries.map((e) => (e.id === ENTRY.id ? { ...e, contributor: thief } : e)),
    };
    const bytes = new TextEncoder().encode(JSON.stringify(tampered, null, 2));
    // A second mirror and the published URI both serve the rewritten file.
    const forged = parseMirror(`dir:${path.join(world.dir, "forged-mirror")}`);
    await putMirrorObject(forged, contentHash, bytes);
    await writeFile(publishedFile, bytes);
    const told: string[] = [];
    const verifier = createRewardsPipeline({
      client: world.client(),
      params,
      mirrors: [forged, mirror],
      onSourceFailed: (m) => told.push(m),
    });
    // The honest copy is gone from the mirror: every source left serves the forgery.
    await rm(mirrorObjectLocation(mirror, contentHash));
    try {
      await expect(verifier.computeEpoch({ epoch: 0n })).rejects.toThrow(
        `Dataset ${world.datasetId} v2's file from ${pathToFileURL(publishedFile).href} is refused: it hashes to ${datasetContentHash(tampered)}, not the content hash ${contentHash} published on chain.`,
      );
    } finally {
      await verifier.close();
    }
    expect(told.some((m) => m.includes(`file of dataset ${world.datasetId} v2`) && m.includes("hashes to"))).toBe(true);
  });
});
