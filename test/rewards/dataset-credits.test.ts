import type { Address, Hex } from "viem";
import { describe, expect, it } from "vitest";
import { loadDataset } from "../../src/model-server";
import { acceptContributions, createContribution } from "../../src/model-server/dataset/contributions";
import { datasetContentHash } from "../../src/protocol/dataset-content-hash";
import type { Dataset } from "../../src/protocol/dataset-file";
import { type RewardReceipt, computeEpochRewards } from "../../src/rewards/core";
import {
  EPOCH_END,
  EPOCH_START,
  addr,
  fullStake,
  input,
  receipt,
  recognized,
} from "../../src/rewards/core/__fixtures__/epoch";
import type { DatasetVersionEvent, ModelEvent } from "../../src/rewards/pipeline/chain-history";
import {
  citableDatasetVersions,
  citedContentHashes,
  collectDatasetCredits,
} from "../../src/rewards/pipeline/dataset-credits";
import { registrySnapshot } from "../../src/rewards/pipeline/registry-snapshot";

const BUILDER = addr(101);
const OPERATOR = addr(111);
const LAN = addr(1); // writes the Mekong-delta variant of cá kho tộ
const U3 = addr(3);
const U4 = addr(4);

const v1 = loadDataset("datasets/vi-VN-home-cooking.json");
const variant = {
  id: "ca-kho-to-mien-tay",
  title: { vi: "Cá kho tộ miền Tây", en: "Mekong-delta cá kho tộ" },
  tags: ["cá kho", "miền Tây"],
  answer: { vi: "Kho cá lóc với nước dừa và tiêu xanh.", en: "Braise snakehead with coconut water and green pepper." },
};
const v2 = acceptContributions(v1, [createContribution(v1, variant, LAN)]);
const bytesOf = (dataset: Dataset) => new TextEncoder().encode(JSON.stringify(dataset, null, 2));
const H1 = datasetContentHash(v1);
const H2 = datasetContentHash(v2);

const at = (timestamp: bigint, block: bigint) => ({ block, logIndex: 0, timestamp });
const published = (datasetId: bigint, version: bigint, contentHash: Hex, timestamp: bigint): DatasetVersionEvent => ({
  ...at(timestamp, version),
  datasetId,
  version,
  contentHash,
  uri: `file:///datasets/${datasetId}/v${version}.json`,
});
const VERSIONS = [published(1n, 1n, H1, EPOCH_START - 100n), published(1n, 2n, H2, EPOCH_START + 3600n)];
const REGISTRY_EVENTS: ModelEvent[] = [
  { ...at(EPOCH_START - 200n, 1n), kind: "registered", modelId: 1n, builder: BUILDER, communityId: 1n },
  { ...at(EPOCH_START - 200n, 1n), kind: "linked", modelId: 1n, datasetId: 1n },
  { ...at(EPOCH_START - 200n, 1n), kind: "admission", modelId: 1n, admitted: true },
  { ...at(EPOCH_START - 200n, 1n), kind: "deployment", deploymentId: 11n, modelId: 1n, operator: OPERATOR },
];
const registry = registrySnapshot(REGISTRY_EVENTS, EPOCH_END);

/** One call per day on `days` days by `user`, each answer citing `entryId` of the version `contentHash`. */
function returning(user: Address, days: number, contentHash: Hex, entryId: string): RewardReceipt[] {
  return Array.from({ length: days }, (_, day) => ({
    ...receipt({ model: 1n, deployment: 11n, user, day }),
    attribution: [{ contentHash, entryId }],
  }));
}

/** The version files as a public source would serve them; `served` records what was asked for. */
function filesFrom(files: Map<string, Uint8Array>, served: string[] = []) {
  return async (version: DatasetVersionEvent) => {
    served.push(version.uri);
    const bytes = files.get(version.uri);
    if (bytes === undefined) throw new Error(`Cannot read ${version.uri}.`);
    return bytes;
  };
}
const honestFiles = () =>
  new Map([
    [VERSIONS[0]!.uri, bytesOf(v1)],
    [VERSIONS[1]!.uri, bytesOf(v2)],
  ]);

describe("contributor credits from published dataset versions", () => {
  it("pays the contributor of the entry returning members' answers cited, read from the version file", async () => {
    const receipts = [
      ...returning(U3, 3, H2, "ca-kho-to-mien-tay"),
      ...returning(U4, 2, H2, "ca-kho-to-mien-tay"),
      ...returning(U3, 1, H1, "ca-kho-to"),
    ];
    const served: string[] = [];
    const { credits, inputs } = await collectDatasetCredits({
      versions: citableDatasetVersions(VERSIONS, registry, EPOCH_END),
      cited: citedContentHashes(receipts.map((r) => r.attribution)),
      fetchVersionFile: filesFrom(honestFiles(), served),
    });
    expect(inputs).toEqual([
      { datasetId: 1n, version: 1n, contentHash: H1, uri: VERSIONS[0]!.uri, entries: v1.entries.length, credited: 0 },
      { datasetId: 1n, version: 2n, contentHash: H2, uri: VERSIONS[1]!.uri, entries: v2.entries.length, credited: 1 },
    ]);
    expect(credits.find((c) => c.entryId === "ca-kho-to-mien-tay" && c.version === 2n)?.contributor).toBe(
      LAN.toLowerCase(),
    );

    const result = computeEpochRewards(
      input({
        budget: 1_000_000n,
        registry: registry.toRegistry(),
        communities: recognized([[1n, [LAN, U3, U4]]]),
        stakes: [fullStake(1n, addr(201), 100n * 10n ** 18n)],
        datasetEntries: credits,
        receipts,
      }),
    );
    expect(result.entries.map((e) => [e.entryId, e.contributor])).toEqual([["ca-kho-to-mien-tay", LAN.toLowerCase()]]);
    const paid = result.accounts.find((a) => a.account.toLowerCase() === LAN.toLowerCase())?.byRole.contributor;
    expect(paid).toBeGreaterThan(0n);
    expect(paid).toBe(result.entries[0]!.amount);
  });

  it("reads only the versions answers cite, of datasets a model links, published before the epoch's end", async () => {
    const unlinked = published(2n, 1n, `0x${"cd".repeat(32)}`, EPOCH_START);
    const late = published(1n, 3n, `0x${"ef".repeat(32)}`, EPOCH_END);
    const republished = published(1n, 4n, H1, EPOCH_START + 7200n);
    const citable = citableDatasetVersions([...VERSIONS, unlinked, late, republished], registry, EPOCH_END);
    // A revert to v1's content is still v1: one content hash, one version.
    expect(citable.map((v) => v.version)).toEqual([1n, 2n]);

    const served: string[] = [];
    const { credits } = await collectDatasetCredits({
      versions: citable,
      cited: citedContentHashes(returning(U3, 2, H2, "ca-kho-to-mien-tay").map((r) => r.attribution)),
      fetchVersionFile: filesFrom(honestFiles(), served),
    });
    expect(served).toEqual([VERSIONS[1]!.uri]);
    expect(new Set(credits.map((c) => c.version))).toEqual(new Set([2n]));

    // Receipts that cite nothing read no file at all.
    const none = await collectDatasetCredits({
      versions: citable,
      cited: citedContentHashes(
        [receipt({ model: 1n, deployment: 11n, user: U3 })].map((r: RewardReceipt) => r.attribution),
      ),
      fetchVersionFile: filesFrom(new Map()),
    });
    expect(none).toEqual({ credits: [], inputs: [] });
  });

  it("refuses a version file whose contributor was changed after publication", async () => {
    const thief = addr(666);
    const tampered = {
      ...v2,
      entries: v2.entries.map((e) => (e.id === variant.id ? { ...e, contributor: thief } : e)),
    };
    const files = honestFiles();
    files.set(VERSIONS[1]!.uri, bytesOf(tampered));
    await expect(
      collectDatasetCredits({
        versions: VERSIONS,
        cited: new Set([H2.toLowerCase()]),
        fetchVersionFile: filesFrom(files),
      }),
    ).rejects.toThrow(
      `Dataset 1 v2's file from ${VERSIONS[1]!.uri} is refused: it hashes to ${datasetContentHash(tampered)}, not the content hash ${H2} published on chain.`,
    );
    files.set(VERSIONS[1]!.uri, new TextEncoder().encode("{ not json"));
    await expect(
      collectDatasetCredits({ versions: VERSIONS, cited: new Set([H2]), fetchVersionFile: filesFrom(files) }),
    ).rejects.toThrow(/^Dataset 1 v2's file from .* is refused: it is not JSON/);
  });

  it("fails instead of paying nobody when a cited version's file cannot be read", async () => {
    const files = honestFiles();
    files.delete(VERSIONS[1]!.uri);
    await expect(
      collectDatasetCredits({ versions: VERSIONS, cited: new Set([H2]), fetchVersionFile: filesFrom(files) }),
    ).rejects.toThrow(
      `Dataset 1 v2's file is cited by this epoch's answers but cannot be read (Cannot read ${VERSIONS[1]!.uri}), so its contributors cannot be credited; put it on a mirror as ${H2}.`,
    );
  });
});
