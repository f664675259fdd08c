import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datasetContentHash } from "../../src/protocol/dataset-content-hash";
import { loadDataset } from "../../src/model-server/dataset/load-dataset";
import { createCommunity } from "../../src/sdk";
import { type KhoDevnet, UNBONDING_PERIOD, fakeHash, startKhoDevnet } from "../sdk/helpers/kho-devnet";
import { type KhoRun, assertBuilt, cliWorkdir, errorLine, khoAs } from "./helpers/run-kho";

const DATASET_FILE = path.resolve(__dirname, "..", "..", "datasets", "vi-VN-home-cooking.json");
const OWNER = 0;
const STEWARD = 1;
const STAKER = 2;

describe("kho token and kho datasets (built binary against a local chain)", () => {
  let devnet: KhoDevnet;
  let kho: (args: string[], signer?: number) => Promise<KhoRun>;
  let staker: string;

  beforeAll(async () => {
    assertBuilt();
    devnet = await startKhoDevnet();
    kho = khoAs(devnet, await cliWorkdir(devnet));
    staker = devnet.accounts[STAKER]!.address;
    await createCommunity(devnet.client(STEWARD), {
      slug: "vi-VN/home-cooking",
      locale: "vi-VN",
      metadataURI: "ipfs://c",
    });
  });
  afterAll(async () => {
    await devnet?.close();
  });

  it("mints dev tokens and prints balances in token units", async () => {
    const minted = await kho(["token", "mint", staker, "100"], OWNER);
    expect(minted.code).toBe(0);
    expect(minted.stdout).toMatch(new RegExp(`^Minted 100 KHO to ${staker} in 0x[0-9a-f]{64}\\.\\n$`));
    const [json, human, own] = await Promise.all([
      kho(["token", "balance", staker, "--json"]),
      kho(["token", "balance", staker]),
      kho(["token", "balance"], STAKER),
    ]);
    expect(JSON.parse(json.stdout)).toEqual({ address: staker, balance: "100" });
    expect(human.stdout).toBe("100 KHO\n");
    expect(own.stdout).toBe("100 KHO\n");
  });

  it("registers datasets from a content hash or by hashing a dataset file", async () => {
    const fromFile = await kho(
      [
        "--json",
        "datasets",
        "register",
        "--community",
        "vi-VN/home-cooking",
        "--metadata-uri",
        "ipfs://d1",
        "--file",
        DATASET_FILE,
      ],
      STEWARD,
    );
    expect(fromFile.code).toBe(0);
    expect(JSON.parse(fromFile.stdout)).toEqual({
      datasetId: "1",
      communityId: "1",
      contentHash: datasetContentHash(loadDataset(DATASET_FILE)),
      hash: expect.stringMatching(/^0x[0-9a-f]{64}$/),
    });
    const fromHash = await kho(
      [
        "datasets",
        "register",
        "--community",
        "1",
        "--locale",
        "vi-VN",
        "--metadata-uri",
        "ipfs://d2",
        "--content-hash",
        fakeHash(2),
      ],
      STEWARD,
    );
    expect(fromHash.stdout).toMatch(/^Registered dataset 2 in community 1 /);
  });

  it("grows a dataset: a member contributes an entry, a steward accepts it and publishes the version", async () => {
    const dir = await cliWorkdir(devnet);
    const entryFile = path.join(dir, "entry.json");
    writeFileSync(
      entryFile,
      JSON.stringify({
        id: "ca-kho-lang-vu-dai",
        title: { vi: "Cá kho làng Vũ Đại", en: "Vũ Đại village braised fish" },
        tags: ["cá kho làng vũ đại", "ca kho lang vu dai"],
        answer: { vi: "Kho cá trắm trong niêu đất một ngày.", en: "Braise black carp in a clay pot for a day." },
      }),
    );
    const member = devnet.accounts[STAKER]!.address;
    const contributed = await kho(
      ["datasets", "contribute", "--dataset", DATASET_FILE, "--entry", entryFile, "--out", path.join(dir, "c.json")],
      STAKER,
    );
    expect(contributed.stderr).toBe("");
    expect(contributed.stdout).toMatch(
      new RegExp(`entry ca-kho-lang-vu-dai for vi-VN/home-cooking v\\d+, credited to ${member}\\.`),
    );
    const reviewed = await kho(
      [
        "--json",
        "datasets",
        "review",
        "--dataset",
        DATASET_FILE,
        "--accept",
        path.join(dir, "c.json"),
        "--out",
        path.join(dir, "v2.json"),
      ],
      STEWARD,
    );
    const review = JSON.parse(reviewed.stdout) as { contentHash: string; version: number; accepted: unknown };
    expect(review.accepted).toEqual([{ entryId: "ca-kho-lang-vu-dai", contributor: member }]);
    expect(review.contentHash).toBe(datasetContentHash(loadDataset(path.join(dir, "v2.json"))));
    expect(JSON.parse(readFileSync(path.join(dir, "v2.json"), "utf8")).entries.at(-1).contributor).toBe(member);

    const mirror = path.join(dir, "mirror");
    const withoutFile = await kho(
      [
        "datasets",
        "publish-version",
        "1",
        "--uri",
        "ipfs://x",
        "--content-hash",
        fakeHash(9),
        "--mirror",
        `dir:${mirror}`,
      ],
      STEWARD,
    );
    expect(errorLine(withoutFile)).toBe("kho: --mirror stores the version's file: give it with --file");
    const published = await kho(
      [
        "datasets",
        "publish-version",
        "1",
        "--uri",
        "ipfs://d1-v2",
        "--file",
        path.join(dir, "v2.json"),
        "--mirror",
        `dir:${mirror}`,
      ],
      STEWARD,
    );
    expect(published.stdout).toMatch(
      new RegExp(`^Published version 2 of dataset 1 \\(content ${review.contentHash}\\)`),
    );
    // Verifiers fetch a cited version's file from a mirror by its content hash.
    expect(published.stderr).toContain(`stored the dataset file on mirror dir:${mirror} as ${review.contentHash}`);
    expect(readFileSync(path.join(mirror, review.contentHash))).toEqual(readFileSync(path.join(dir, "v2.json")));
    const versions = JSON.parse((await kho(["--json", "datasets", "versions", "1"])).stdout) as {
      versions: { version: string; contentHash: string; uri: string }[];
    };
    expect(versions.versions.map((v) => [v.version, v.uri])).toEqual([
      ["1", "ipfs://d1"],
      ["2", "ipfs://d1-v2"],
    ]);
    expect(versions.versions[1]!.contentHash).toBe(review.contentHash);
    const refused = await kho(
      ["datasets", "publish-version", "1", "--uri", "ipfs://x", "--content-hash", fakeHash(9)],
      STAKER,
    );
    expect(errorLine(refused)).toMatch(/NotDatasetManager\(1, /);
  });

  it("stakes (approving first), shows the position, unstakes and withdraws after unbonding", async () => {
    const staked = await kho(["--json", "datasets", "stake", "1", "12.5"], STAKER);
    expect(staked.code).toBe(0);
    expect(JSON.parse(staked.stdout)).toMatchObject({ datasetId: "1", staked: "12.5", stake: "12.5" });
    expect(JSON.parse(staked.stdout).approveHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(staked.stderr).toMatch(/approve: confirmed/);
    expect(staked.stderr).toMatch(/stake: confirmed/);

    const unstaked = await kho(["datasets", "unstake", "1", "2.5"], STAKER);
    expect(unstaked.stdout).toMatch(
      /^Unstaked 2\.5 from dataset 1; withdrawable from \d{4}-\d\d-\d\dT[\d:]+Z \(0x[0-9a-f]{64}\)\.\n$/,
    );

    const [show, list, early] = await Promise.all([
      kho(["datasets", "show", "1", "--staker", staker, "--json"]),
      kho(["datasets", "list"]),
      kho(["datasets", "withdraw"], STAKER),
    ]);
    const shown = JSON.parse(show.stdout) as Record<string, unknown>;
    expect(shown).toMatchObject({ id: "1", totalStake: "10", position: { staker, stake: "10", withdrawable: "0" } });
    expect(shown.position).toMatchObject({ unbonding: [{ datasetId: "1", amount: "2.5" }] });
    expect(list.stdout.split("\n")[0]).toMatch(/^id\s+community\s+locale\s+total stake\s+curator\s+metadata URI$/);
    expect(list.stdout).toMatch(/^1\s+1\s+vi-VN\s+10\s+/m);
    expect(errorLine(early)).toMatch(
      /^kho: nothing to withdraw yet: your earliest unstaked tokens unlock at \d{4}-\d\d-\d\dT/,
    );

    await devnet.chain.increaseTime(UNBONDING_PERIOD);
    const withdrawn = await kho(["datasets", "withdraw", "--json"], STAKER);
    expect(JSON.parse(withdrawn.stdout)).toMatchObject({ withdrawn: "2.5" });
    const balance = await kho(["token", "balance", staker, "--json"]);
    expect(JSON.parse(balance.stdout)).toEqual({ address: staker, balance: "90" });
  });

  it("rejects wrong amounts, unknown ids, bad addresses and reverts with one sentence", async () => {
    const cases: [string[], number | undefined, string][] = [
      [
        ["datasets", "stake", "1", "-1"],
        STAKER,
        'kho: "-1" is not a token amount: use digits with an optional decimal point, e.g. 12.5',
      ],
      [
        ["datasets", "stake", "1", "abc"],
        STAKER,
        'kho: "abc" is not a token amount: use digits with an optional decimal point, e.g. 12.5',
      ],
      [
        ["datasets", "unstake", "1", "1.0000000000000000001"],
        STAKER,
        'kho: "1.0000000000000000001" has more than 18 decimal places',
      ],
      [["token", "mint", staker, "0"], OWNER, 'kho: the amount must be greater than zero, got "0"'],
      [["datasets", "stake", "99", "1"], STAKER, "kho: dataset 99 does not exist"],
      [["datasets", "stake", "1", "1000"], STAKER, `kho: ${staker} holds 90 KHO but staking needs 1000 KHO`],
      [["datasets", "show", "abc"], undefined, 'kho: dataset id "abc" is not a positive integer'],
      [["token", "balance", "0xzz"], undefined, 'kho: account "0xzz" is not an address'],
      [["token", "mint", staker, "1"], STAKER, `kho: mint reverted with OwnableUnauthorizedAccount(${staker})`],
      // Decoded reverts show their token amounts with the symbol, never as wei.
      [
        ["datasets", "unstake", "1", "1000.5"],
        STAKER,
        `kho: unstake reverted with InsufficientStake(1, ${staker}, 10 KHO, 1000.5 KHO)`,
      ],
      [
        ["datasets", "withdraw"],
        undefined,
        "kho: this command sends a transaction: pass --private-key <0x…> or set KHO_PRIVATE_KEY (in the environment or .env)",
      ],
      [
        [
          "datasets",
          "register",
          "--community",
          "1",
          "--metadata-uri",
          "u",
          "--file",
          DATASET_FILE,
          "--content-hash",
          fakeHash(5),
        ],
        STEWARD,
        "kho: give either --content-hash or --file, not both",
      ],
      [
        [
          "datasets",
          "register",
          "--community",
          "1",
          "--metadata-uri",
          "u",
          "--locale",
          "vi",
          "--content-hash",
          fakeHash(5),
        ],
        STAKER,
        `kho: registerDataset reverted with NotCommunitySteward(1, ${staker})`,
      ],
    ];
    const runs = await Promise.all(cases.map(([args, signer]) => kho(args, signer)));
    runs.forEach((run, i) => {
      expect(run.code, cases[i]![0].join(" ")).toBe(1);
      expect(errorLine(run), cases[i]![0].join(" ")).toBe(cases[i]![2]);
    });
  });
});
