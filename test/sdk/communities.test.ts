import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  KhoInputError,
  KhoMissingAccountError,
  KhoNotFoundError,
  KhoRevertError,
  MAX_MEMBER_BATCH,
  addMembers,
  addSteward,
  createCommunity,
  getCommunity,
  isMember,
  isSteward,
  listCommunities,
  listMembers,
  removeMembers,
  removeSteward,
  resolveCommunity,
} from "../../src/sdk";
import { type KhoDevnet, startKhoDevnet } from "./helpers/kho-devnet";
import { privateKeyToAddress } from "viem/accounts";
import { keccak256, toHex } from "viem";

describe("community actions", () => {
  let devnet: KhoDevnet;
  beforeAll(async () => {
    devnet = await startKhoDevnet();
  });
  afterAll(async () => {
    await devnet?.close();
  });

  it("creates a community, returns its id from the event and reads it back by id and slug", async () => {
    const [alice] = devnet.accounts;
    const created = await createCommunity(devnet.client(1), {
      slug: "vi-VN/home-cooking",
      locale: "vi-VN",
      metadataURI: "ipfs://community-card",
    });
    expect(created.communityId).toBe(1n);
    expect(created.hash).toMatch(/^0x[0-9a-f]{64}$/);

    const reader = devnet.client();
    const community = await getCommunity(reader, { communityId: 1n });
    expect(community).toMatchObject({
      id: 1n,
      slug: "vi-VN/home-cooking",
      locale: "vi-VN",
      metadataURI: "ipfs://community-card",
      creator: devnet.accounts[1]!.address,
      stewardCount: 1n,
      memberCount: 0n,
    });
    expect(await resolveCommunity(reader, { community: "vi-VN/home-cooking" })).toBe(1n);
    expect(await resolveCommunity(reader, { community: "1" })).toBe(1n);
    expect(alice).toBeDefined();
  });

  it("decodes a custom-error revert with its arguments", async () => {
    const attempt = createCommunity(devnet.client(2), {
      slug: "vi-VN/home-cooking",
      locale: "vi-VN",
      metadataURI: "ipfs://x",
    });
    await expect(attempt).rejects.toBeInstanceOf(KhoRevertError);
    await expect(attempt).rejects.toMatchObject({
      errorName: "SlugTaken",
      errorArgs: ["vi-VN/home-cooking", 1n],
      message: 'createCommunity reverted with SlugTaken("vi-VN/home-cooking", 1)',
    });
  });

  it("reports unknown communities as KhoNotFoundError, by id and by slug", async () => {
    const reader = devnet.client();
    await expect(getCommunity(reader, { communityId: 42n })).rejects.toThrow(
      new KhoNotFoundError("community", 42n).message,
    );
    await expect(getCommunity(reader, { communityId: 42n })).rejects.toThrow("community 42 does not exist");
    await expect(resolveCommunity(reader, { community: "en-US/nothing" })).rejects.toThrow(
      'community "en-US/nothing" does not exist',
    );
    await expect(resolveCommunity(reader, { community: 0 })).rejects.toBeInstanceOf(KhoInputError);
  });

  it("manages stewards", async () => {
    const steward = devnet.client(1);
    const newSteward = devnet.accounts[2]!.address;
    await addSteward(steward, { communityId: 1n, steward: newSteward });
    expect(await isSteward(devnet.client(), { communityId: 1n, account: newSteward })).toBe(true);
    await removeSteward(devnet.client(2), { communityId: 1n, steward: newSteward });
    expect(await isSteward(devnet.client(), { communityId: 1n, account: newSteward })).toBe(false);
    await expect(
      removeSteward(steward, { communityId: 1n, steward: devnet.accounts[1]!.address }),
    ).rejects.toMatchObject({ errorName: "LastSteward" });
  });

  it("adds members in contract-sized batches, skips duplicates, and rebuilds the member list from events", async () => {
    const steward = devnet.client(1);
    // More than one batch, so the chunking is exercised; addresses derived from fixed keys.
    const members = Array.from({ length: MAX_MEMBER_BATCH + 5 }, (_, i) =>
      privateKeyToAddress(keccak256(toHex(`member-${i}`))),
    );
    const first = await addMembers(steward, { communityId: 1n, members: [...members, members[0]!.toLowerCase()] });
    expect(first.hashes).toHaveLength(2);
    expect(first.added).toHaveLength(members.length);

    const again = await addMembers(steward, { communityId: 1n, members: members.slice(0, 3) });
    expect(again.added).toEqual([]);

    const removed = await removeMembers(steward, { communityId: 1n, members: [members[1]!, members[2]!] });
    expect(removed.removed).toEqual([members[1], members[2]]);

    const reader = devnet.client();
    expect(await isMember(reader, { communityId: 1n, account: members[0]! })).toBe(true);
    expect(await isMember(reader, { communityId: 1n, account: members[1]! })).toBe(false);
    const listed = await listMembers(reader, { communityId: 1n });
    expect(new Set(listed)).toEqual(new Set(members.filter((_, i) => i !== 1 && i !== 2)));
    expect((await getCommunity(reader, { communityId: 1n })).memberCount).toBe(BigInt(listed.length));

    // Re-adding a removed member puts it back in the event-derived list.
    await addMembers(steward, { communityId: 1n, members: [members[1]!] });
    expect(await listMembers(reader, { communityId: 1n })).toContain(members[1]);
  });

  it("lists communities page by page", async () => {
    await createCommunity(devnet.client(3), { slug: "en-US/gardening", locale: "en-US", metadataURI: "ipfs://g" });
    await createCommunity(devnet.client(3), { slug: "vi-VN/ca-kho", locale: "vi", metadataURI: "ipfs://c" });
    const reader = devnet.client();
    const all = await listCommunities(reader);
    expect(all.total).toBe(3n);
    expect(all.items.map((c) => c.slug)).toEqual(["vi-VN/home-cooking", "en-US/gardening", "vi-VN/ca-kho"]);
    const page = await listCommunities(reader, { fromId: 2n, limit: 1 });
    expect(page.items.map((c) => c.id)).toEqual([2n]);
  });

  it("validates inputs before touching the chain", async () => {
    const steward = devnet.client(1);
    await expect(addSteward(steward, { communityId: 1n, steward: "0x1234" })).rejects.toThrow(
      'steward "0x1234" is not an address',
    );
    await expect(addMembers(steward, { communityId: 1n, members: [] })).rejects.toBeInstanceOf(KhoInputError);
    await expect(
      addMembers(steward, { communityId: 0n, members: [privateKeyToAddress(keccak256("0x01"))] }),
    ).rejects.toThrow('community id "0" is not a positive integer');
    await expect(
      createCommunity(devnet.client(), { slug: "en-US/x-y", locale: "en", metadataURI: "u" }),
    ).rejects.toBeInstanceOf(KhoMissingAccountError);
  });
});
