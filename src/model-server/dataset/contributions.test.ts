import { describe, expect, it } from "vitest";
import { datasetContentHash } from "../../protocol/dataset-content-hash";
import { ContributionError, acceptContributions, createContribution, parseContribution } from "./contributions";
import type { Dataset } from "../../protocol/dataset-file";

const LAN = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const MAI = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const base: Dataset = {
  id: "vi-VN/test",
  version: 1,
  locale: "vi-VN",
  title: "Test",
  license: "CC0-1.0",
  entries: [
    {
      id: "ca-kho",
      title: { vi: "Cá kho", en: "Braised fish" },
      tags: ["cá kho"],
      answer: { vi: "Kho trong nồi đất.", en: "Braise in a clay pot." },
    },
  ],
};
const entry = (id: string) => ({
  id,
  title: { vi: "Canh chua", en: "Sour soup" },
  tags: ["canh chua"],
  answer: { vi: "Nấu với me.", en: "Cook it with tamarind." },
});

describe("contributions", () => {
  it("credits the entry to its contributor and accepts it into the next version", () => {
    const a = createContribution(base, entry("canh-chua"), LAN.toLowerCase() as `0x${string}`);
    expect(a).toEqual({ dataset: "vi-VN/test", baseVersion: 1, entry: { ...entry("canh-chua"), contributor: LAN } });
    const b = createContribution(base, entry("canh-chua-ca"), MAI);
    const next = acceptContributions(base, [a, b]);
    expect(next.version).toBe(2);
    expect(next.entries.map((e) => [e.id, e.contributor])).toEqual([
      ["ca-kho", undefined],
      ["canh-chua", LAN],
      ["canh-chua-ca", MAI],
    ]);
    expect(datasetContentHash(next)).not.toBe(datasetContentHash(base));
    // The accepted file round-trips through JSON with the same content hash.
    expect(datasetContentHash(JSON.parse(JSON.stringify(next)))).toBe(datasetContentHash(next));
  });

  it("rejects entries that do not fit the dataset, in one sentence", () => {
    expect(() => createContribution(base, entry("ca-kho"), LAN)).toThrow(
      /^vi-VN\/test with the contribution is not a valid dataset: entries\.1\.id duplicates entry id "ca-kho"\.$/,
    );
    const noVietnamese = { ...entry("x"), answer: { en: "Only English." } };
    expect(() => createContribution(base, noVietnamese, LAN)).toThrow(
      /entries\.1\.answer\.vi is required because the dataset locale is vi-VN/,
    );
    expect(() => createContribution(base, { ...entry("x"), licence: "MIT" }, LAN)).toThrow(ContributionError);
  });

  it("rejects contributions for another dataset, a newer version, without a contributor, or none", () => {
    const c = createContribution(base, entry("canh-chua"), LAN);
    expect(() => acceptContributions({ ...base, id: "vi-VN/other" }, [c])).toThrow(
      "Contribution of entry canh-chua is for dataset vi-VN/test, not vi-VN/other.",
    );
    expect(() => acceptContributions(base, [{ ...c, baseVersion: 3 }])).toThrow(
      "Contribution of entry canh-chua was written against v3, newer than vi-VN/test v1.",
    );
    expect(() => parseContribution({ dataset: "vi-VN/test", baseVersion: 1, entry: entry("x") })).toThrow(
      "contribution is not a valid contribution: entry must name its contributor.",
    );
    expect(() => acceptContributions(base, [])).toThrow("Accept at least one contribution.");
  });
});
