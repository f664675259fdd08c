import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { balanceOf, createCommunity, mint, registerModel } from "../../src/sdk";
import { type KhoDevnet, fakeHash, startKhoDevnet, tokens } from "../sdk/helpers/kho-devnet";
import { type KhoRun, assertBuilt, cliWorkdir, errorLine, khoAs } from "./helpers/run-kho";

// Account 0 deployed Kho: it owns the token and is the CommunityRegistry governor (minimum bond 1000 KHO).
const GOVERNOR = 0;
const STEWARD = 1;
const BUILDER = 2;
const OUTSIDER = 3;

describe("kho models price|admit and kho communities bond|recognize|slash (built binary)", () => {
  let devnet: KhoDevnet;
  let kho: (args: string[], signer?: number) => Promise<KhoRun>;
  let address: (index: number) => string;

  beforeAll(async () => {
    assertBuilt();
    devnet = await startKhoDevnet();
    kho = khoAs(devnet, await cliWorkdir(devnet));
    address = (index) => devnet.accounts[index]!.address;
    await createCommunity(devnet.client(STEWARD), {
      slug: "vi-VN/home-cooking",
      locale: "vi-VN",
      metadataURI: "ipfs://c",
    });
    await registerModel(devnet.client(BUILDER), {
      name: "pho-bo-7b",
      locale: "vi-VN",
      communityId: 1n,
      metadataURI: "ipfs://m",
      contentHash: fakeHash(1),
    });
    await mint(devnet.client(GOVERNOR), { to: address(STEWARD), amount: tokens("2000") });
    await mint(devnet.client(GOVERNOR), { to: address(OUTSIDER), amount: tokens("10") });
  });
  afterAll(async () => {
    await devnet?.close();
  });

  it("sets and shows a model's price in token units; only its builder may set it", async () => {
    const set = await kho(["models", "price", "pho-bo-7b", "0.5", "--json"], BUILDER);
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toEqual({
      modelId: "1",
      pricePerCall: "0.5",
      hash: expect.stringMatching(/^0x[0-9a-f]{64}$/),
    });

    const shown = await kho(["models", "price", "1"]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toBe("Model 1 costs 0.5 KHO per call; not admitted by its home community.\n");

    const notBuilder = await kho(["models", "price", "1", "0"], OUTSIDER);
    expect(notBuilder.code).toBe(1);
    expect(errorLine(notBuilder)).toBe(
      `kho: ${address(OUTSIDER)} is not the builder of model 1, so it cannot set its price`,
    );
    const bad = await kho(["models", "price", "1", "0.5.1"], BUILDER);
    expect(errorLine(bad)).toBe(
      'kho: "0.5.1" is not a token amount: use digits with an optional decimal point, e.g. 12.5',
    );

    const free = await kho(["models", "price", "1", "0"], BUILDER);
    expect(free.stdout).toMatch(/^Model 1 now costs 0 KHO per call \(0x[0-9a-f]{64}\)\.\n$/);
  });

  it("admits a model and withdraws its admission (a steward of its home community only)", async () => {
    const outsider = await kho(["models", "admit", "pho-bo-7b"], OUTSIDER);
    expect(outsider.code).toBe(1);
    expect(errorLine(outsider)).toBe(
      `kho: ${address(OUTSIDER)} is not a steward of community 1 (the model's home), so it cannot admit model 1`,
    );

    const admitted = await kho(["models", "admit", "pho-bo-7b", "--json"], STEWARD);
    expect(admitted.code).toBe(0);
    expect(JSON.parse(admitted.stdout)).toMatchObject({ modelId: "1", admitted: true });
    const terms = await kho(["models", "price", "1", "--json"]);
    expect(JSON.parse(terms.stdout)).toEqual({ modelId: "1", pricePerCall: "0", admitted: true });

    const again = await kho(["models", "admit", "1"], STEWARD);
    expect(errorLine(again)).toBe("kho: model 1 is already admitted");

    const withdrawn = await kho(["models", "withdraw-admission", "1"], STEWARD);
    expect(withdrawn.code).toBe(0);
    expect(withdrawn.stdout).toMatch(/^Withdrew model 1's admission \(0x[0-9a-f]{64}\)\.\n$/);
    const twice = await kho(["models", "withdraw-admission", "1"], STEWARD);
    expect(errorLine(twice)).toBe("kho: model 1 is not admitted");
  });

  it("bonds, recognizes only at the minimum bond, revokes, slashes and withdraws", async () => {
    const bonded = await kho(["communities", "bond", "vi-VN/home-cooking", "600", "--json"], STEWARD);
    expect(bonded.code).toBe(0);
    expect(JSON.parse(bonded.stdout)).toEqual({
      communityId: "1",
      posted: "600",
      bond: "600",
      hash: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      approveHash: expect.stringMatching(/^0x[0-9a-f]{64}$/),
    });

    const [belowMinimum, notGovernor, notSteward] = await Promise.all([
      kho(["communities", "recognize", "1"], GOVERNOR),
      kho(["communities", "recognize", "1"], STEWARD),
      kho(["communities", "bond", "1", "5"], OUTSIDER),
    ]);
    expect(errorLine(belowMinimum)).toBe(
      "kho: community 1 cannot be recognized: its bond is 600 KHO, below the minimum of 1000 KHO",
    );
    expect(errorLine(notGovernor)).toBe(
      `kho: ${address(STEWARD)} is not the community governor (GOVERNOR_ROLE on CommunityRegistry), so it cannot recognize communities`,
    );
    expect(errorLine(notSteward)).toBe(
      `kho: ${address(OUTSIDER)} is not a steward of community 1, so it cannot post its bond`,
    );

    const topUp = await kho(["communities", "bond", "1", "400.5"], STEWARD);
    expect(topUp.stdout).toMatch(
      /^Bonded 400\.5 KHO to community 1; its bond is now 1000\.5 KHO \(0x[0-9a-f]{64}\)\.\n$/,
    );

    const recognized = await kho(["communities", "recognize", "1", "--json"], GOVERNOR);
    expect(recognized.code).toBe(0);
    expect(JSON.parse(recognized.stdout)).toMatchObject({ communityId: "1", recognized: true });
    const standing = await kho(["communities", "standing", "vi-VN/home-cooking", "--json"]);
    expect(JSON.parse(standing.stdout)).toEqual({
      communityId: "1",
      bond: "1000.5",
      minBond: "1000",
      recognized: true,
    });
    const standingText = await kho(["communities", "standing", "1"]);
    expect(standingText.stdout).toMatch(/^bond:\s+1000\.5 KHO$/m);
    expect(standingText.stdout).toMatch(/^min bond:\s+1000 KHO$/m);
    expect(standingText.stdout).toMatch(/^recognized:\s+yes$/m);

    const locked = await kho(["communities", "withdraw-bond", "1", "100"], STEWARD);
    expect(errorLine(locked)).toBe(
      "kho: community 1 is recognized, so its bond is locked until the governor revokes recognition",
    );

    const revoked = await kho(["communities", "revoke-recognition", "1"], GOVERNOR);
    expect(revoked.stdout).toMatch(/^Community 1 is no longer recognized \(0x[0-9a-f]{64}\)\.\n$/);
    const notRecognized = await kho(["communities", "revoke-recognition", "1"], GOVERNOR);
    expect(errorLine(notRecognized)).toBe("kho: community 1 is not recognized");

    expect((await kho(["communities", "recognize", "1"], GOVERNOR)).code).toBe(0);
    const before = await balanceOf(devnet.client(), { account: address(OUTSIDER) });
    const slashed = await kho(["communities", "slash", "1", "250", "--to", address(OUTSIDER), "--json"], GOVERNOR);
    expect(slashed.code).toBe(0);
    expect(JSON.parse(slashed.stdout)).toMatchObject({
      communityId: "1",
      slashed: "250",
      recipient: address(OUTSIDER),
      recognized: false,
    });
    expect((await balanceOf(devnet.client(), { account: address(OUTSIDER) })) - before).toBe(tokens("250"));
    const tooMuch = await kho(["communities", "slash", "1", "5000", "--to", address(OUTSIDER)], GOVERNOR);
    expect(errorLine(tooMuch)).toBe("kho: cannot slash 5000 KHO: community 1's bond is only 750.5 KHO");

    const overdraw = await kho(["communities", "withdraw-bond", "1", "800"], STEWARD);
    expect(errorLine(overdraw)).toBe("kho: cannot withdraw 800 KHO: community 1's bond is only 750.5 KHO");
    const withdrawn = await kho(["communities", "withdraw-bond", "1", "750.5", "--json"], STEWARD);
    expect(JSON.parse(withdrawn.stdout)).toMatchObject({ communityId: "1", withdrawn: "750.5", bond: "0" });
    const after = await kho(["communities", "standing", "1", "--json"]);
    expect(JSON.parse(after.stdout)).toMatchObject({ bond: "0", recognized: false });
  });
});
