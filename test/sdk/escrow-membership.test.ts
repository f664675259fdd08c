import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  KhoInputError,
  KhoInsufficientFundsError,
  admitModel,
  balanceOf,
  cancelThaw,
  createCommunity,
  deposit,
  getCommunityStanding,
  getEscrowAccount,
  getModelTerms,
  mint,
  postBond,
  recognizeCommunity,
  registerModel,
  revokeRecognition,
  setModelPrice,
  slashBond,
  startThaw,
  withdrawAdmission,
  withdrawBond,
  withdrawFromEscrow,
} from "../../src/sdk";
import { type KhoDevnet, fakeHash, startKhoDevnet, tokens } from "./helpers/kho-devnet";

describe("escrow, price, admission and bond actions", () => {
  let devnet: KhoDevnet;
  const GOVERNOR = 0;
  const STEWARD = 1;
  const PAYER = 2;
  const BUILDER = 3;
  const SPONSOR = 4;

  beforeAll(async () => {
    devnet = await startKhoDevnet();
    for (const index of [STEWARD, PAYER, SPONSOR]) {
      await mint(devnet.client(GOVERNOR), { to: devnet.accounts[index]!.address, amount: tokens("5000") });
    }
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
  });
  afterAll(async () => {
    await devnet?.close();
  });

  it("deposits (approving first), deposits for another payer and reads the account", async () => {
    const payer = devnet.accounts[PAYER]!.address;
    const first = await deposit(devnet.client(PAYER), { amount: tokens("10") });
    expect(first.approveHash).toBeDefined();
    expect(first).toMatchObject({ payer, deposited: tokens("10") });
    const sponsored = await deposit(devnet.client(SPONSOR), { amount: tokens("5"), payer });
    expect(sponsored.deposited).toBe(tokens("5"));
    const account = await getEscrowAccount(devnet.client(), { payer });
    expect(account).toMatchObject({ balance: tokens("15"), thawing: 0n, available: tokens("15"), thawEndsAt: 0n });
    expect(account.thawPeriod).toBe(devnet.deployment.escrow.thawPeriod);
    await expect(deposit(devnet.client(PAYER), { amount: tokens("1000000") })).rejects.toBeInstanceOf(
      KhoInsufficientFundsError,
    );
    await expect(deposit(devnet.client(PAYER), { amount: 0n })).rejects.toBeInstanceOf(KhoInputError);
  });

  it("thaws, decodes the escrow's reverts, cancels and refuses an early withdrawal", async () => {
    const payer = devnet.accounts[PAYER]!.address;
    const thaw = await startThaw(devnet.client(PAYER), { amount: tokens("4") });
    expect(thaw.thawing).toBe(tokens("4"));
    expect((await getEscrowAccount(devnet.client(), { payer })).available).toBe(tokens("11"));
    await expect(startThaw(devnet.client(PAYER), { amount: tokens("12") })).rejects.toMatchObject({
      errorName: "InsufficientAvailable",
      errorArgs: [payer, tokens("11"), tokens("12")],
    });
    await expect(withdrawFromEscrow(devnet.client(PAYER))).rejects.toMatchObject({ errorName: "ThawNotOver" });
    await cancelThaw(devnet.client(PAYER));
    await expect(cancelThaw(devnet.client(PAYER))).rejects.toMatchObject({
      errorName: "NothingThawing",
      errorArgs: [payer],
    });
  });

  it("lets the builder price a model and only a home steward admit it", async () => {
    await setModelPrice(devnet.client(BUILDER), { modelId: 1n, pricePerCall: tokens("0.01") });
    await expect(setModelPrice(devnet.client(STEWARD), { modelId: 1n, pricePerCall: 1n })).rejects.toMatchObject({
      errorName: "NotModelBuilder",
    });
    await expect(setModelPrice(devnet.client(BUILDER), { modelId: 1n, pricePerCall: -1n })).rejects.toBeInstanceOf(
      KhoInputError,
    );
    await expect(admitModel(devnet.client(BUILDER), { modelId: 1n })).rejects.toMatchObject({
      errorName: "NotCommunitySteward",
      errorArgs: [1n, devnet.accounts[BUILDER]!.address],
    });
    await admitModel(devnet.client(STEWARD), { modelId: 1n });
    expect(await getModelTerms(devnet.client(), { modelId: 1n })).toEqual({
      pricePerCall: tokens("0.01"),
      admitted: true,
    });
    await withdrawAdmission(devnet.client(STEWARD), { modelId: 1n });
    expect((await getModelTerms(devnet.client(), { modelId: 1n })).admitted).toBe(false);
  });

  it("bonds, recognizes, refuses withdrawal while recognized, slashes and withdraws the rest", async () => {
    const minBond = devnet.deployment.communities.minBond;
    const posted = await postBond(devnet.client(STEWARD), { communityId: 1n, amount: minBond });
    expect(posted).toMatchObject({ posted: minBond, bond: minBond });
    await expect(recognizeCommunity(devnet.client(STEWARD), { communityId: 1n })).rejects.toMatchObject({
      errorName: "AccessControlUnauthorizedAccount",
    });
    await recognizeCommunity(devnet.client(GOVERNOR), { communityId: 1n });
    expect(await getCommunityStanding(devnet.client(), { communityId: 1n })).toEqual({
      bond: minBond,
      minBond,
      recognized: true,
    });
    await expect(withdrawBond(devnet.client(STEWARD), { communityId: 1n, amount: 1n })).rejects.toMatchObject({
      errorName: "CommunityIsRecognized",
      errorArgs: [1n],
    });
    const challenger = devnet.accounts[SPONSOR]!.address;
    const before = await balanceOf(devnet.client(), { account: challenger });
    await slashBond(devnet.client(GOVERNOR), { communityId: 1n, amount: tokens("100"), recipient: challenger });
    expect(await balanceOf(devnet.client(), { account: challenger })).toBe(before + tokens("100"));
    expect(await getCommunityStanding(devnet.client(), { communityId: 1n })).toMatchObject({ recognized: false });
    await expect(revokeRecognition(devnet.client(GOVERNOR), { communityId: 1n })).rejects.toMatchObject({
      errorName: "CommunityNotRecognized",
    });
    const left = await withdrawBond(devnet.client(STEWARD), { communityId: 1n, amount: minBond - tokens("100") });
    expect(left.bond).toBe(0n);
  });
});
