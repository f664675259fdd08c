import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datasetStakingAbi, epochAt } from "../../src/protocol";
import {
  KhoInputError,
  KhoInsufficientFundsError,
  KhoNotFoundError,
  addDeployment,
  allowance,
  balanceOf,
  createCommunity,
  currentEpoch,
  getBatch,
  getDataset,
  getDeployment,
  getDistributorState,
  getEpochClock,
  getModel,
  getStake,
  linkDataset,
  listDatasetVersions,
  listDatasets,
  listModels,
  mint,
  pinDatasetVersion,
  publishDatasetVersion,
  publishVersion,
  registerDataset,
  registerModel,
  removeDeployment,
  resolveModel,
  retireModel,
  setDeploymentStatus,
  stake,
  transact,
  unstake,
  withdraw,
} from "../../src/sdk";
import { type KhoDevnet, UNBONDING_PERIOD, fakeHash, startKhoDevnet, tokens } from "./helpers/kho-devnet";

describe("dataset, model, token and ledger actions", () => {
  let devnet: KhoDevnet;
  const STEWARD = 1;
  const STAKER = 2;
  const BUILDER = 3;

  beforeAll(async () => {
    devnet = await startKhoDevnet();
    await createCommunity(devnet.client(STEWARD), {
      slug: "vi-VN/home-cooking",
      locale: "vi-VN",
      metadataURI: "ipfs://c",
    });
  });
  afterAll(async () => {
    await devnet?.close();
  });

  it("mints the dev token (owner only) and reads balances", async () => {
    const staker = devnet.accounts[STAKER]!.address;
    await mint(devnet.client(0), { to: staker, amount: tokens("100") });
    expect(await balanceOf(devnet.client(), { account: staker })).toBe(tokens("100"));
    await expect(mint(devnet.client(STAKER), { to: staker, amount: 1n })).rejects.toMatchObject({
      errorName: "OwnableUnauthorizedAccount",
      errorArgs: [staker],
    });
    await expect(mint(devnet.client(0), { to: staker, amount: 0n })).rejects.toBeInstanceOf(KhoInputError);
  });

  it("registers datasets (steward only) and lists them", async () => {
    const curator = devnet.accounts[4]!.address;
    const first = await registerDataset(devnet.client(STEWARD), {
      communityId: 1n,
      locale: "vi-VN",
      metadataURI: "ipfs://dataset-1",
      contentHash: fakeHash(1),
      curator,
    });
    expect(first.datasetId).toBe(1n);
    const second = await registerDataset(devnet.client(STEWARD), {
      communityId: 1n,
      locale: "vi-VN",
      metadataURI: "ipfs://dataset-2",
      contentHash: fakeHash(2),
    });
    expect(second.datasetId).toBe(2n);
    const reader = devnet.client();
    expect(await getDataset(reader, { datasetId: 1n })).toMatchObject({
      curator,
      contentHash: fakeHash(1),
      latestVersion: 1n,
      totalStake: 0n,
    });
    expect((await getDataset(reader, { datasetId: 2n })).curator).toBe(devnet.accounts[STEWARD]!.address);
    expect((await listDatasets(reader)).items.map((d) => d.id)).toEqual([1n, 2n]);
    await expect(getDataset(reader, { datasetId: 9n })).rejects.toThrow("dataset 9 does not exist");
    await expect(
      registerDataset(devnet.client(STAKER), {
        communityId: 1n,
        locale: "vi",
        metadataURI: "x",
        contentHash: fakeHash(3),
      }),
    ).rejects.toMatchObject({ errorName: "NotCommunitySteward" });
    await expect(
      registerDataset(devnet.client(STEWARD), { communityId: 1n, locale: "vi", metadataURI: "x", contentHash: "0x00" }),
    ).rejects.toThrow('content hash "0x00" is not a 32-byte hex value');
  });

  it("stakes with an automatic approve, unstakes, and withdraws after the unbonding period", async () => {
    const client = devnet.client(STAKER);
    const staker = devnet.accounts[STAKER]!.address;

    const first = await stake(client, { datasetId: 1n, amount: tokens("40") });
    expect(first.approveHash).toMatch(/^0x/);
    expect(first).toMatchObject({ staked: tokens("40"), newStake: tokens("40") });
    // The approve was for exactly the amount, so nothing is left approved afterwards.
    expect(
      await allowance(devnet.client(), { owner: staker, spender: devnet.deployment.contracts.DatasetStaking }),
    ).toBe(0n);

    const second = await stake(client, { datasetId: 1n, amount: tokens("2.5") });
    expect(second.newStake).toBe(tokens("42.5"));

    await expect(stake(client, { datasetId: 1n, amount: tokens("1000") })).rejects.toBeInstanceOf(
      KhoInsufficientFundsError,
    );
    // A revert inside the token (called by the staking contract) is decoded too.
    const staking = devnet.deployment.contracts.DatasetStaking;
    await expect(
      transact(client, { address: staking, abi: datasetStakingAbi, functionName: "stake", args: [1n, 1n] }),
    ).rejects.toMatchObject({ errorName: "ERC20InsufficientAllowance", errorArgs: [staking, 0n, 1n] });
    await expect(stake(client, { datasetId: 7n, amount: 1n })).rejects.toBeInstanceOf(KhoNotFoundError);
    await expect(stake(client, { datasetId: 1n, amount: -1n })).rejects.toBeInstanceOf(KhoInputError);

    const out = await unstake(client, { datasetId: 1n, amount: tokens("10") });
    expect(out.newStake).toBe(tokens("32.5"));
    const position = await getStake(devnet.client(), { datasetId: 1n, staker });
    expect(position).toMatchObject({ stake: tokens("32.5"), totalStake: tokens("32.5"), withdrawable: 0n });
    expect(position.unbonding).toEqual([{ datasetId: 1n, amount: tokens("10"), releaseTime: out.releaseTime }]);

    await expect(withdraw(client)).rejects.toMatchObject({
      errorName: "NothingMatured",
      errorArgs: [staker, out.releaseTime],
    });
    await expect(unstake(client, { datasetId: 1n, amount: tokens("100") })).rejects.toMatchObject({
      errorName: "InsufficientStake",
    });

    await devnet.chain.increaseTime(UNBONDING_PERIOD);
    expect((await getStake(devnet.client(), { datasetId: 1n, staker })).withdrawable).toBe(tokens("10"));
    const paid = await withdraw(client);
    expect(paid.amount).toBe(tokens("10"));
    expect(await balanceOf(devnet.client(), { account: staker })).toBe(tokens("67.5"));
  });

  it("registers a model, publishes versions, links datasets and manages deployments", async () => {
    const builder = devnet.client(BUILDER);
    const operator = devnet.accounts[5]!.address;
    const { modelId } = await registerModel(builder, {
      name: "pho-bo-7b",
      locale: "vi-VN",
      communityId: 1n,
      metadataURI: "ipfs://card-v1",
      contentHash: fakeHash(10),
    });
    expect(modelId).toBe(1n);
    expect(
      (await publishVersion(builder, { modelId, contentHash: fakeHash(11), metadataURI: "ipfs://card-v2" })).version,
    ).toBe(2n);
    await linkDataset(builder, { modelId, datasetId: 2n });
    await linkDataset(builder, { modelId, datasetId: 1n });
    const { deploymentId } = await addDeployment(builder, { modelId, operator, endpoint: "http://127.0.0.1:9000/v1" });
    const { deploymentId: second } = await addDeployment(builder, {
      modelId,
      operator,
      endpoint: "https://b.example/v1",
    });
    await setDeploymentStatus(devnet.client(5), { deploymentId, status: "paused" });
    await removeDeployment(builder, { deploymentId: second });

    const reader = devnet.client();
    const model = await getModel(reader, { modelId });
    expect(model).toMatchObject({
      id: 1n,
      name: "pho-bo-7b",
      latestVersion: 2n,
      contentHash: fakeHash(11),
      metadataURI: "ipfs://card-v2",
      retired: false,
      liveDeployments: 1n,
      linkedDatasets: [1n, 2n],
    });
    expect(model.deployments.map((d) => [d.id, d.status, d.operator])).toEqual([
      [deploymentId, "paused", operator],
      [second, "removed", operator],
    ]);
    expect(await getDeployment(reader, { deploymentId })).toMatchObject({ endpoint: "http://127.0.0.1:9000/v1" });

    expect(await resolveModel(reader, { model: "pho-bo-7b" })).toBe(1n);
    expect(await resolveModel(reader, { model: "1" })).toBe(1n);
    await expect(resolveModel(reader, { model: "nope" })).rejects.toThrow('model "nope" does not exist');
    await expect(resolveModel(reader, { model: 42n })).rejects.toThrow("model 42 does not exist");
    await expect(linkDataset(builder, { modelId: 42n, datasetId: 1n })).rejects.toThrow("model 42 does not exist");
    await expect(linkDataset(builder, { modelId, datasetId: 1n })).rejects.toMatchObject({
      message: "linkDataset reverted with DatasetAlreadyLinked(1, 1)",
    });
    await expect(addDeployment(builder, { modelId, operator: "0xnope", endpoint: "http://x" })).rejects.toThrow(
      'operator "0xnope" is not an address',
    );
  });

  it("publishes dataset versions (curator or steward), keeps them all, and pins a model to one", async () => {
    const curator = devnet.client(4);
    const { version } = await publishDatasetVersion(curator, {
      datasetId: 1n,
      uri: "ipfs://dataset-1-v2",
      contentHash: fakeHash(21),
    });
    expect(version).toBe(2n);
    const versions = await listDatasetVersions(devnet.client(), { datasetId: 1n });
    expect(versions.map((v) => [v.version, v.contentHash, v.uri, v.publisher])).toEqual([
      [1n, fakeHash(1), "ipfs://dataset-1", devnet.accounts[STEWARD]!.address],
      [2n, fakeHash(21), "ipfs://dataset-1-v2", devnet.accounts[4]!.address],
    ]);
    await expect(
      publishDatasetVersion(devnet.client(STAKER), { datasetId: 1n, uri: "ipfs://x", contentHash: fakeHash(22) }),
    ).rejects.toMatchObject({ errorName: "NotDatasetManager" });
    await expect(listDatasetVersions(devnet.client(), { datasetId: 9n })).rejects.toThrow("dataset 9 does not exist");

    const builder = devnet.client(BUILDER);
    await pinDatasetVersion(builder, { modelId: 1n, datasetId: 1n, version: 2n });
    await expect(pinDatasetVersion(builder, { modelId: 1n, datasetId: 1n, version: 3n })).rejects.toMatchObject({
      errorName: "DatasetVersionNotFound",
      errorArgs: [1n, 3n],
    });
  });

  it("resolves all-digit model names that are not ids, and lists models with filters", async () => {
    const builder = devnet.client(BUILDER);
    const { modelId } = await registerModel(builder, {
      name: "2024",
      locale: "en",
      communityId: 1n,
      metadataURI: "ipfs://y",
      contentHash: fakeHash(12),
    });
    expect(modelId).toBe(2n);
    const reader = devnet.client();
    expect(await resolveModel(reader, { model: "2024" })).toBe(2n);
    await retireModel(builder, { modelId: 1n });
    expect((await listModels(reader)).items.map((m) => [m.id, m.retired])).toEqual([
      [1n, true],
      [2n, false],
    ]);
    expect((await listModels(reader, { includeRetired: false })).items.map((m) => m.id)).toEqual([2n]);
    await expect(
      addDeployment(builder, { modelId: 1n, operator: devnet.accounts[5]!.address, endpoint: "http://x.example" }),
    ).rejects.toMatchObject({ errorName: "ModelIsRetired" });
  });

  it("reads the ledger clock, the current epoch, batches and the distributor state", async () => {
    const reader = devnet.client();
    const clock = await getEpochClock(reader);
    expect(clock).toEqual({
      genesis: devnet.deployment.epoch.genesis,
      length: devnet.deployment.epoch.length,
      batchGracePeriod: devnet.deployment.epoch.batchGracePeriod,
    });
    expect(await currentEpoch(reader)).toBe(epochAt(clock, await devnet.chain.latestTimestamp()));
    await expect(getBatch(reader, { relayer: devnet.accounts[0]!.address, batchId: 1n })).rejects.toThrow(
      `batch 1 of relayer ${devnet.accounts[0]!.address} does not exist`,
    );
    const state = await getDistributorState(reader);
    expect(state).toMatchObject({
      token: devnet.deployment.contracts.KhoToken,
      timelock: devnet.deployment.rewards.timelock,
      current: null,
      pending: null,
      totalFunded: 0n,
      balance: 0n,
      paused: false,
    });
  });
});
