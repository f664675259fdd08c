import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KhoDevnet, startKhoDevnet } from "../sdk/helpers/kho-devnet";
import { type KhoRun, assertBuilt, cliWorkdir, errorLine, khoAs, runKho } from "./helpers/run-kho";

describe("kho communities (built binary against a local chain)", () => {
  let devnet: KhoDevnet;
  let cwd: string;
  let kho: (args: string[], signer?: number, env?: Record<string, string>) => Promise<KhoRun>;

  beforeAll(async () => {
    assertBuilt();
    devnet = await startKhoDevnet();
    cwd = await cliWorkdir(devnet);
    kho = khoAs(devnet, cwd);
  });
  afterAll(async () => {
    await devnet?.close();
  });

  it("creates a community and prints its id, with progress on stderr", async () => {
    const run = await kho(
      ["communities", "create", "--slug", "vi-VN/home-cooking", "--locale", "vi-VN", "--metadata-uri", "ipfs://card"],
      1,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Created community 1 \(vi-VN\/home-cooking\) in 0x[0-9a-f]{64}\.\n$/);
    expect(run.stderr).toMatch(/createCommunity: sent 0x[0-9a-f]{64}/);
    expect(run.stderr).toMatch(/createCommunity: confirmed in block \d+/);
  });

  it("prints JSON for scripts with --json", async () => {
    const created = await kho(
      [
        "--json",
        "communities",
        "create",
        "--slug",
        "en-US/gardening",
        "--locale",
        "en-US",
        "--metadata-uri",
        "ipfs://g",
      ],
      2,
    );
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toEqual({
      communityId: "2",
      slug: "en-US/gardening",
      hash: expect.stringMatching(/^0x[0-9a-f]{64}$/),
    });

    const [list, show] = await Promise.all([
      kho(["communities", "list", "--json"]),
      kho(["communities", "show", "vi-VN/home-cooking", "--json"]),
    ]);
    expect(list.code).toBe(0);
    const page = JSON.parse(list.stdout) as { total: string; items: { id: string; slug: string }[] };
    expect(page.total).toBe("2");
    expect(page.items.map((c) => [c.id, c.slug])).toEqual([
      ["1", "vi-VN/home-cooking"],
      ["2", "en-US/gardening"],
    ]);
    expect(JSON.parse(show.stdout)).toMatchObject({
      id: "1",
      slug: "vi-VN/home-cooking",
      locale: "vi-VN",
      metadataURI: "ipfs://card",
      creator: devnet.accounts[1]!.address,
      stewardCount: "1",
      memberCount: "0",
    });
  });

  it("prints tables and records for people", async () => {
    const [list, show] = await Promise.all([kho(["communities", "list"]), kho(["communities", "show", "2"])]);
    expect(list.stdout.split("\n")[0]).toMatch(/^id\s+slug\s+locale\s+stewards\s+members\s+creator$/);
    expect(list.stdout).toContain("vi-VN/home-cooking");
    expect(show.stdout).toMatch(/^slug:\s+en-US\/gardening$/m);
    expect(show.stdout).toMatch(/^created:\s+\d{4}-\d{2}-\d{2}T/m);
  });

  it("manages stewards and members, from arguments and from a file", async () => {
    const [, , a, b, c, d] = devnet.accounts.map((x) => x.address);
    const file = path.join(cwd, "members.txt");
    await writeFile(file, `# attested at the market\n${c}\n\n${d!.toLowerCase()}  # lower-case is fine\n`);

    const addSteward = await kho(["communities", "stewards", "add", "1", a!], 1);
    expect(addSteward.code).toBe(0);
    const added = await kho(
      ["--json", "communities", "members", "add", "vi-VN/home-cooking", b!, "--file", "members.txt"],
      2,
    );
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ communityId: "1", added: [b, c, d] });

    const removed = await kho(["communities", "members", "remove", "1", c!], 1);
    expect(removed.stdout).toMatch(/^Removed 1 member\(s\) from community 1; 0 were not members\./);
    const list = await kho(["communities", "members", "list", "1", "--json"]);
    expect(JSON.parse(list.stdout)).toEqual({ communityId: "1", members: [b, d] });
  });

  it("reports a contract revert as one decoded sentence", async () => {
    const [taken, notSteward] = await Promise.all([
      kho(["communities", "create", "--slug", "vi-VN/home-cooking", "--locale", "vi", "--metadata-uri", "x"], 4),
      kho(["communities", "members", "add", "2", devnet.accounts[6]!.address], 5),
    ]);
    expect(taken.code).toBe(1);
    expect(errorLine(taken)).toBe('kho: createCommunity reverted with SlugTaken("vi-VN/home-cooking", 1)');
    expect(errorLine(notSteward)).toBe(
      `kho: addMembers reverted with NotCommunitySteward(2, ${devnet.accounts[5]!.address})`,
    );
  });

  it("fails with one clear sentence on bad input, unknown ids and missing keys", async () => {
    const cases: [string[], number | undefined, string][] = [
      [["communities", "stewards", "add", "1", "0x123"], 1, 'kho: steward "0x123" is not an address'],
      [["communities", "members", "add", "1", "alice"], 1, 'kho: member "alice" is not an address'],
      [["communities", "show", "42"], undefined, "kho: community 42 does not exist"],
      [["communities", "show", "xx-XX/nowhere"], undefined, 'kho: community "xx-XX/nowhere" does not exist'],
      [["communities", "members", "list", "7"], undefined, "kho: community 7 does not exist"],
      [["communities", "list", "--limit", "many"], undefined, 'kho: limit id "many" is not a positive integer'],
      [
        ["communities", "create", "--slug", "a/b", "--locale", "en", "--metadata-uri", "x"],
        undefined,
        "kho: this command sends a transaction: pass --private-key <0x…> or set KHO_PRIVATE_KEY (in the environment or .env)",
      ],
      [["communities", "members", "add", "1"], 1, "kho: give member addresses as arguments or with --file <file>"],
      [["communities", "create", "--slug", "a/b"], 1, "kho: required option '--locale <tag>' not specified"],
      [["communities", "frobnicate"], undefined, "kho: unknown command 'frobnicate'"],
    ];
    const runs = await Promise.all(cases.map(([args, signer]) => kho(args, signer)));
    runs.forEach((run, i) => {
      expect(run.code, cases[i]![0].join(" ")).toBe(1);
      expect(run.stdout).toBe("");
      expect(errorLine(run)).toBe(cases[i]![2]);
    });
  });

  it("resolves network, key and deployment as flag > environment (.env) > default", async () => {
    // A bad flag beats a good environment variable…
    const flagWins = await kho(["--rpc-url", "http://127.0.0.1:9", "communities", "list"]);
    expect(errorLine(flagWins)).toBe("kho: cannot reach the chain at http://127.0.0.1:9");
    // …and the environment beats .env, which beats the default.
    await writeFile(path.join(cwd, ".env"), "KHO_RPC_URL=http://127.0.0.1:9\n");
    try {
      const envWins = await kho(["communities", "list", "--json"]);
      expect(envWins.code).toBe(0);
      const dotenvUsed = await runKho(["communities", "list"], { cwd });
      expect(errorLine(dotenvUsed)).toBe("kho: cannot reach the chain at http://127.0.0.1:9");
      await writeFile(path.join(cwd, ".env"), "KHO_PRIVATE_KEY=0x1234\n");
      const badKey = await kho(["communities", "stewards", "add", "1", devnet.accounts[7]!.address]);
      expect(errorLine(badKey)).toBe("kho: the private key from KHO_PRIVATE_KEY is not 0x followed by 64 hex digits");
      const flagKeyWins = await kho([
        "communities",
        "stewards",
        "add",
        "1",
        devnet.accounts[7]!.address,
        "--private-key",
        devnet.accounts[1]!.privateKey,
      ]);
      expect(flagKeyWins.code).toBe(0);
    } finally {
      await writeFile(path.join(cwd, ".env"), "");
    }
    const missingDeployment = await kho(["--deployment", "nowhere.json", "communities", "list"]);
    expect(errorLine(missingDeployment)).toBe(`kho: deployment file ${path.join(cwd, "nowhere.json")} does not exist`);
    const noDefault = await runKho(["communities", "list"], {
      cwd: path.join(cwd, "deployments"),
      env: { KHO_RPC_URL: devnet.chain.rpcUrl },
    });
    expect(errorLine(noDefault)).toMatch(
      /^kho: no deployment file for chain 31337 at .*deployments\/31337\.json: deploy Kho first/,
    );
  });
});
