import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunity, registerDataset } from "../../src/sdk";
import { type KhoDevnet, fakeHash, startKhoDevnet } from "../sdk/helpers/kho-devnet";
import { type KhoRun, assertBuilt, cliWorkdir, errorLine, khoAs } from "./helpers/run-kho";

const STEWARD = 1;
const BUILDER = 3;
const OPERATOR = 5;

describe("kho models (built binary against a local chain)", () => {
  let devnet: KhoDevnet;
  let kho: (args: string[], signer?: number) => Promise<KhoRun>;

  beforeAll(async () => {
    assertBuilt();
    devnet = await startKhoDevnet();
    kho = khoAs(devnet, await cliWorkdir(devnet));
    const steward = devnet.client(STEWARD);
    await createCommunity(steward, { slug: "vi-VN/home-cooking", locale: "vi-VN", metadataURI: "ipfs://c" });
    await registerDataset(steward, {
      communityId: 1n,
      locale: "vi-VN",
      metadataURI: "ipfs://d",
      contentHash: fakeHash(1),
    });
  });
  afterAll(async () => {
    await devnet?.close();
  });

  it("registers a model, publishes a version, links a dataset and manages deployments", async () => {
    const registered = await kho(
      [
        "--json",
        "models",
        "register",
        "--name",
        "pho-bo-7b",
        "--locale",
        "vi-VN",
        "--community",
        "vi-VN/home-cooking",
        "--metadata-uri",
        "ipfs://card-v1",
        "--content-hash",
        fakeHash(10),
      ],
      BUILDER,
    );
    expect(registered.code).toBe(0);
    expect(JSON.parse(registered.stdout)).toMatchObject({ modelId: "1", name: "pho-bo-7b", communityId: "1" });

    const version = await kho(
      ["models", "version", "pho-bo-7b", "--content-hash", fakeHash(11), "--metadata-uri", "ipfs://card-v2"],
      BUILDER,
    );
    expect(version.stdout).toMatch(/^Published version 2 of model 1 in 0x[0-9a-f]{64}\.\n$/);
    expect((await kho(["models", "link-dataset", "pho-bo-7b", "1"], BUILDER)).code).toBe(0);

    const operator = devnet.accounts[OPERATOR]!.address;
    const deployed = await kho(
      ["--json", "models", "deploy", "1", "--endpoint", "http://127.0.0.1:9000/v1", "--operator", operator],
      BUILDER,
    );
    expect(JSON.parse(deployed.stdout)).toMatchObject({ deploymentId: "1", modelId: "1" });
    const selfOperated = await kho(["models", "deploy", "pho-bo-7b", "--endpoint", "https://b.example/v1"], BUILDER);
    expect(selfOperated.stdout).toMatch(/^Added deployment 2 of model 1 at https:\/\/b\.example\/v1 in 0x/);

    expect((await kho(["models", "pause", "1"], OPERATOR)).stdout).toMatch(/^Paused deployment 1 in 0x/);
    expect((await kho(["models", "undeploy", "2"], BUILDER)).stdout).toMatch(/^Removed deployment 2 in 0x/);

    const [json, human] = await Promise.all([
      kho(["models", "show", "pho-bo-7b", "--json"]),
      kho(["models", "show", "1"]),
    ]);
    const model = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(model).toMatchObject({
      id: "1",
      name: "pho-bo-7b",
      latestVersion: "2",
      contentHash: fakeHash(11),
      liveDeployments: "1",
      linkedDatasets: ["1"],
      retired: false,
    });
    expect(model.deployments).toEqual([
      expect.objectContaining({ id: "1", status: "paused", operator, endpoint: "http://127.0.0.1:9000/v1" }),
      expect.objectContaining({ id: "2", status: "removed", operator: devnet.accounts[BUILDER]!.address }),
    ]);
    expect(human.stdout).toMatch(/^linked datasets:\s+1$/m);
    expect(human.stdout).toMatch(/^Deployments:\ndeployment\s+status\s+operator\s+endpoint$/m);
    expect(human.stdout).toMatch(/^1\s+paused\s+0x/m);
  });

  it("lists models and hides retired ones with --active", async () => {
    expect((await kho(["models", "retire", "pho-bo-7b"], BUILDER)).code).toBe(0);
    const [all, active, table] = await Promise.all([
      kho(["models", "list", "--json"]),
      kho(["models", "list", "--active", "--json"]),
      kho(["models", "list"]),
    ]);
    expect(JSON.parse(all.stdout)).toMatchObject({ total: "1", items: [{ id: "1", retired: true }] });
    expect(JSON.parse(active.stdout)).toMatchObject({ total: "1", items: [] });
    expect(table.stdout.split("\n")[0]).toMatch(
      /^id\s+name\s+locale\s+community\s+version\s+live\s+retired\s+builder$/,
    );
  });

  it("fails with one clear sentence on unknown ids, bad input and reverts", async () => {
    const cases: [string[], number | undefined, string][] = [
      [["models", "show", "42"], undefined, "kho: model 42 does not exist"],
      [["models", "show", "nope"], undefined, 'kho: model "nope" does not exist'],
      [["models", "undeploy", "77"], BUILDER, "kho: deployment 77 does not exist"],
      [["models", "pause", "88"], OPERATOR, "kho: deployment 88 does not exist"],
      [
        ["models", "deploy", "1", "--endpoint", "http://x", "--operator", "0x12"],
        BUILDER,
        'kho: operator "0x12" is not an address',
      ],
      [
        ["models", "version", "1", "--content-hash", "0xabc", "--metadata-uri", "u"],
        BUILDER,
        'kho: content hash "0xabc" is not a 32-byte hex value (0x followed by 64 hex digits)',
      ],
      [["models", "link-dataset", "1", "1"], BUILDER, "kho: linkDataset reverted with ModelIsRetired(1)"],
      [
        ["models", "retire", "1"],
        STEWARD,
        `kho: retireModel reverted with NotModelBuilderOrAdmin(1, ${devnet.accounts[STEWARD]!.address})`,
      ],
      [
        [
          "models",
          "register",
          "--name",
          "x",
          "--locale",
          "vi",
          "--community",
          "1",
          "--metadata-uri",
          "u",
          "--content-hash",
          fakeHash(3),
        ],
        undefined,
        "kho: this command sends a transaction: pass --private-key <0x…> or set KHO_PRIVATE_KEY (in the environment or .env)",
      ],
      [["models", "deployment", "0"], undefined, 'kho: deployment id "0" is not a positive integer'],
    ];
    const runs = await Promise.all(cases.map(([args, signer]) => kho(args, signer)));
    runs.forEach((run, i) => {
      expect(run.code, cases[i]![0].join(" ")).toBe(1);
      expect(errorLine(run), cases[i]![0].join(" ")).toBe(cases[i]![2]);
    });
  });
});
