import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { keccak256, stringToBytes } from "viem";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../protocol/canonical-json";
import { datasetContentHash } from "../protocol/dataset-content-hash";
import { LoadDatasetError, loadDataset, parseDataset } from "./dataset/load-dataset";
import type { Dataset } from "../protocol/dataset-file";

const VI_PATH = join(__dirname, "../../datasets/vi-VN-home-cooking.json");
const GENERIC_PATH = join(__dirname, "../../datasets/generic-western-cooking.json");

const tmp = mkdtempSync(join(tmpdir(), "kho-dataset-"));
function writeTmp(name: string, content: string): string {
  const path = join(tmp, name);
  writeFileSync(path, content);
  return path;
}

function minimal(overrides: Partial<Dataset> = {}): Dataset {
  return {
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
    ...overrides,
  };
}

describe("shipped datasets", () => {
  it("the Vietnamese home-cooking dataset is valid, bilingual and covers the demo topics", () => {
    const dataset = loadDataset(VI_PATH);
    expect(dataset.id).toBe("vi-VN/home-cooking");
    expect(dataset.locale).toBe("vi-VN");
    expect(dataset.entries.length).toBeGreaterThanOrEqual(40);
    for (const e of dataset.entries) {
      expect(e.title.vi && e.title.en && e.answer.vi && e.answer.en, e.id).toBeTruthy();
    }
    const ids = dataset.entries.map((e) => e.id);
    for (const topic of [
      "ca-kho-to",
      "nuoc-mau",
      "thit-kho-trung",
      "canh-chua-ca",
      "pho-bo",
      "nuoc-cham",
      "noi-dat-va-bep",
    ]) {
      expect(ids).toContain(topic);
    }
    const caKho = dataset.entries.find((e) => e.id === "ca-kho-to")!;
    expect(caKho.answer.vi).toMatch(/nồi đất/);
    expect(caKho.answer.vi).toMatch(/nước màu/);
    expect(caKho.answer.en).toMatch(/clay pot/);
  });

  it("the generic Western dataset is valid English and answers cá kho with an oven", () => {
    const dataset = loadDataset(GENERIC_PATH);
    expect(dataset.locale).toBe("en-US");
    expect(dataset.entries.length).toBeGreaterThanOrEqual(20);
    const caKho = dataset.entries.find((e) => e.tags.includes("cá kho"))!;
    expect(caKho.answer.en).toMatch(/oven/i);
  });
});

describe("loadDataset errors", () => {
  it("names a missing file", () => {
    expect(() => loadDataset(join(tmp, "nope.json"))).toThrow(/^Cannot read dataset file .*nope\.json \(ENOENT\)\.$/);
  });

  it("names a file that is not JSON", () => {
    const path = writeTmp("bad.json", "{ not json");
    expect(() => loadDataset(path)).toThrow(LoadDatasetError);
    expect(() => loadDataset(path)).toThrow(/is not valid JSON/);
  });

  it("names the first invalid field in one sentence", () => {
    const noEnglish = minimal();
    delete noEnglish.entries[0]!.answer.en;
    const path = writeTmp("no-en.json", JSON.stringify(noEnglish));
    expect(() => loadDataset(path)).toThrow(
      /^Dataset file .*no-en\.json is not a valid dataset: entries\.0\.answer\.en is required because the dataset locale is vi-VN\.$/,
    );
  });

  it.each([
    [
      "a duplicate entry id",
      { entries: [...minimal().entries, ...minimal().entries] },
      /entries\.1\.id duplicates entry id "ca-kho"/,
    ],
    ["a bad dataset id", { id: "home cooking" }, /^dataset is not a valid dataset: id must look like/],
    ["an unsupported locale", { locale: "fr-FR" }, /locale must be a supported BCP 47 locale/],
    ["a zero version", { version: 0 }, /version must be positive/],
    ["no entries", { entries: [] }, /entries must have at least one entry/],
    [
      "a contributor that is not an address",
      { entries: [{ ...minimal().entries[0]!, contributor: "lan" }] },
      /^dataset is not a valid dataset: entries\.0\.contributor must be a 0x address \(lower-case or EIP-55 checksummed\)\.$/,
    ],
    [
      "a contributor with a wrong checksum",
      { entries: [{ ...minimal().entries[0]!, contributor: "0x70997970c51812dc3A010C7d01b50e0d17dc79C8" }] },
      /entries\.0\.contributor must be a 0x address/,
    ],
  ])("rejects %s", (_name, overrides, message) => {
    expect(() => parseDataset(minimal(overrides as Partial<Dataset>))).toThrow(message);
  });

  it("accepts entries credited to a contributor, and the credit is part of the content hash", () => {
    const credited = minimal({
      entries: [{ ...minimal().entries[0]!, contributor: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" }],
    });
    expect(parseDataset(credited).entries[0]!.contributor).toBe("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    const other = minimal({
      entries: [{ ...minimal().entries[0]!, contributor: "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc" }],
    });
    expect(datasetContentHash(credited)).not.toBe(datasetContentHash(other));
    expect(datasetContentHash(credited)).not.toBe(datasetContentHash(minimal()));
  });

  it("rejects unknown fields so typos are not silently ignored", () => {
    expect(() => parseDataset({ ...minimal(), licence: "MIT" })).toThrow(/Unrecognized key/);
  });

  it("rejects blank text and non-object input", () => {
    const blank = minimal();
    blank.entries[0]!.answer.vi = "   ";
    expect(() => parseDataset(blank)).toThrow(/entries\.0\.answer\.vi must not be blank/);
    expect(() => parseDataset([])).toThrow(/^dataset is not a valid dataset: \(root\)/);
  });
});

/** Rebuilds a JSON value with every object's keys in a random order. */
function shuffleKeys(value: unknown, rand: () => number): unknown {
  if (Array.isArray(value)) return value.map((v) => shuffleKeys(v, rand));
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).map(([k, v]) => [k, shuffleKeys(v, rand)] as const);
    for (let i = entries.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [entries[i], entries[j]] = [entries[j]!, entries[i]!];
    }
    return Object.fromEntries(entries);
  }
  return value;
}

describe("datasetContentHash", () => {
  const dataset = loadDataset(VI_PATH);

  it("matches the hashes published in datasets/README.md", () => {
    const readme = readFileSync(join(__dirname, "../../datasets/README.md"), "utf8");
    for (const path of [VI_PATH, GENERIC_PATH]) {
      const d = loadDataset(path);
      expect(readme).toContain(`\`${d.id}\` v${d.version}: \`${datasetContentHash(d)}\``);
    }
  });

  it("is keccak256 of the canonical JSON bytes", () => {
    expect(datasetContentHash(dataset)).toBe(keccak256(stringToBytes(canonicalJson(dataset))));
    expect(canonicalJson({ b: [1, "x"], a: { d: null, c: true } })).toBe('{"a":{"c":true,"d":null},"b":[1,"x"]}');
  });

  it("does not depend on key order or file formatting", () => {
    const expected = datasetContentHash(dataset);
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 0, max: 4 }), (seed, indent) => {
        let state = seed >>> 0;
        const rand = () => (state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32;
        const shuffled = shuffleKeys(dataset, rand);
        expect(datasetContentHash(shuffled as Dataset)).toBe(expected);
        const path = writeTmp(`shuffled-${seed}-${indent}.json`, JSON.stringify(shuffled, null, indent));
        expect(datasetContentHash(loadDataset(path))).toBe(expected);
      }),
      { numRuns: 25 },
    );
  });

  it("changes when any text changes", () => {
    const expected = datasetContentHash(dataset);
    fc.assert(
      fc.property(fc.nat({ max: dataset.entries.length - 1 }), fc.string({ minLength: 1 }), (i, extra) => {
        const changed = structuredClone(dataset);
        changed.entries[i]!.answer.en += extra;
        expect(datasetContentHash(changed)).not.toBe(expected);
      }),
      { numRuns: 50 },
    );
  });
});
