import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  COMMUNITY_LOCALE,
  COMMUNITY_SLUG,
  COMMUNITY_URI,
  deployCommunityFixture,
  deployCoreFixture,
} from "./helpers/fixtures";

describe("CommunityRegistry", () => {
  it("rejects a zero admin, governor or bond token", async () => {
    const factory = await ethers.getContractFactory("CommunityRegistry");
    const [admin] = await ethers.getSigners();
    const token = admin.address;
    await expect(ethers.deployContract("CommunityRegistry", [ethers.ZeroAddress, admin.address, token, 1n]))
      .to.be.revertedWithCustomError(factory, "AccessControlInvalidDefaultAdmin")
      .withArgs(ethers.ZeroAddress);
    for (const [args, field] of [
      [[admin.address, ethers.ZeroAddress, token, 1n], "governor"],
      [[admin.address, admin.address, ethers.ZeroAddress, 1n], "bondToken"],
    ] as const) {
      await expect(ethers.deployContract("CommunityRegistry", [...args]))
        .to.be.revertedWithCustomError(factory, "ZeroAddress")
        .withArgs(field);
    }
  });

  it("grants DEFAULT_ADMIN_ROLE to the admin", async () => {
    const { communities, admin } = await loadFixture(deployCoreFixture);
    expect(await communities.hasRole(await communities.DEFAULT_ADMIN_ROLE(), admin.address)).to.equal(true);
  });

  describe("createCommunity", () => {
    it("stores the community, makes the creator steward and emits events", async () => {
      const { communities, steward } = await loadFixture(deployCoreFixture);
      const tx = communities.connect(steward).createCommunity(COMMUNITY_SLUG, COMMUNITY_LOCALE, COMMUNITY_URI);
      await expect(tx)
        .to.emit(communities, "CommunityCreated")
        .withArgs(1n, steward.address, COMMUNITY_SLUG, COMMUNITY_LOCALE, COMMUNITY_URI);
      await expect(tx).to.emit(communities, "StewardAdded").withArgs(1n, steward.address, steward.address);

      const community = await communities.getCommunity(1n);
      expect(community.id).to.equal(1n);
      expect(community.slug).to.equal(COMMUNITY_SLUG);
      expect(community.locale).to.equal(COMMUNITY_LOCALE);
      expect(community.metadataURI).to.equal(COMMUNITY_URI);
      expect(community.creator).to.equal(steward.address);
      expect(community.createdAt).to.equal(BigInt(await time.latest()));
      expect(community.stewardCount).to.equal(1n);
      expect(community.memberCount).to.equal(0n);
      expect(await communities.communityCount()).to.equal(1n);
      expect(await communities.communityIdBySlug(COMMUNITY_SLUG)).to.equal(1n);
      expect(await communities.communityIdBySlug("vi-vn/home-cooking")).to.equal(1n);
      expect(await communities.communityIdBySlug("vi-VN/other")).to.equal(0n);
      expect(await communities.isSteward(1n, steward.address)).to.equal(true);
      expect(await communities.communityExists(1n)).to.equal(true);
      expect(await communities.communityExists(2n)).to.equal(false);
      expect(await communities.communityExists(0n)).to.equal(false);
    });

    it("hands out increasing ids", async () => {
      const { communities, outsider } = await loadFixture(deployCommunityFixture);
      const id = await communities.connect(outsider).createCommunity.staticCall("en/bbq", "en", "ipfs://x");
      expect(id).to.equal(2n);
      await communities.connect(outsider).createCommunity("en/bbq", "en", "ipfs://x");
      expect(await communities.communityCount()).to.equal(2n);
    });

    it("rejects a taken slug", async () => {
      const { communities, outsider } = await loadFixture(deployCommunityFixture);
      await expect(communities.connect(outsider).createCommunity(COMMUNITY_SLUG, "vi", "ipfs://y"))
        .to.be.revertedWithCustomError(communities, "SlugTaken")
        .withArgs(COMMUNITY_SLUG, 1n);
    });

    for (const slug of ["abc", "vi-VN/a", "a_b-c/d/e9", "x".repeat(64), "en/some_thing-1"]) {
      it(`accepts slug "${slug.length > 20 ? `${slug.slice(0, 8)}…` : slug}"`, async () => {
        const { communities, outsider } = await loadFixture(deployCoreFixture);
        await expect(communities.connect(outsider).createCommunity(slug, "en", "ipfs://x")).to.emit(
          communities,
          "CommunityCreated",
        );
      });
    }

    const badSlugs: [string, bigint][] = [
      ["/ab", 0n],
      ["ab/", 2n],
      ["a//b", 2n],
      ["vi-VN/Home", 6n],
      ["Home", 0n],
      ["ab c", 2n],
      ["ab.c", 2n],
      ["ăn/uống", 0n],
    ];
    for (const [slug, index] of badSlugs) {
      it(`rejects slug "${slug}" at byte ${index}`, async () => {
        const { communities, outsider } = await loadFixture(deployCoreFixture);
        await expect(communities.connect(outsider).createCommunity(slug, "en", "ipfs://x"))
          .to.be.revertedWithCustomError(communities, "InvalidCharacter")
          .withArgs("slug", index);
      });
    }

    it("bounds the slug length", async () => {
      const { communities, outsider } = await loadFixture(deployCoreFixture);
      await expect(communities.connect(outsider).createCommunity("ab", "en", "ipfs://x"))
        .to.be.revertedWithCustomError(communities, "StringTooShort")
        .withArgs("slug", 2n, 3n);
      await expect(communities.connect(outsider).createCommunity("a".repeat(65), "en", "ipfs://x"))
        .to.be.revertedWithCustomError(communities, "StringTooLong")
        .withArgs("slug", 65n, 64n);
    });

    it("validates the locale", async () => {
      const { communities, outsider } = await loadFixture(deployCoreFixture);
      const create = (locale: string) => communities.connect(outsider).createCommunity("en/x", locale, "ipfs://x");
      await expect(create("e")).to.be.revertedWithCustomError(communities, "StringTooShort").withArgs("locale", 1n, 2n);
      await expect(create("e".repeat(36)))
        .to.be.revertedWithCustomError(communities, "StringTooLong")
        .withArgs("locale", 36n, 35n);
      await expect(create("1en")).to.be.revertedWithCustomError(communities, "InvalidCharacter").withArgs("locale", 0n);
      await expect(create("en-")).to.be.revertedWithCustomError(communities, "InvalidCharacter").withArgs("locale", 2n);
      await expect(create("en--US"))
        .to.be.revertedWithCustomError(communities, "InvalidCharacter")
        .withArgs("locale", 3n);
      await expect(create("en_US"))
        .to.be.revertedWithCustomError(communities, "InvalidCharacter")
        .withArgs("locale", 2n);
      await expect(create("zh-Hant-TW")).to.emit(communities, "CommunityCreated");
    });

    it("bounds the metadata URI", async () => {
      const { communities, outsider } = await loadFixture(deployCoreFixture);
      await expect(communities.connect(outsider).createCommunity("en/x", "en", ""))
        .to.be.revertedWithCustomError(communities, "StringTooShort")
        .withArgs("metadataURI", 0n, 1n);
      await expect(communities.connect(outsider).createCommunity("en/x", "en", "u".repeat(513)))
        .to.be.revertedWithCustomError(communities, "StringTooLong")
        .withArgs("metadataURI", 513n, 512n);
      await expect(communities.connect(outsider).createCommunity("en/x", "en", "u".repeat(512))).to.emit(
        communities,
        "CommunityCreated",
      );
    });
  });

  describe("stewards", () => {
    it("lets a steward add a steward", async () => {
      const { communities, communityId, steward, outsider } = await loadFixture(deployCommunityFixture);
      await expect(communities.connect(steward).addSteward(communityId, outsider.address))
        .to.emit(communities, "StewardAdded")
        .withArgs(communityId, outsider.address, steward.address);
      expect(await communities.isSteward(communityId, outsider.address)).to.equal(true);
      expect((await communities.getCommunity(communityId)).stewardCount).to.equal(2n);
    });

    it("lets the admin add a steward to recover a community", async () => {
      const { communities, communityId, admin, outsider } = await loadFixture(deployCommunityFixture);
      await expect(communities.connect(admin).addSteward(communityId, outsider.address))
        .to.emit(communities, "StewardAdded")
        .withArgs(communityId, outsider.address, admin.address);
    });

    it("rejects addSteward from non-stewards, for zero or existing stewards and unknown communities", async () => {
      const { communities, communityId, steward, outsider } = await loadFixture(deployCommunityFixture);
      await expect(communities.connect(outsider).addSteward(communityId, outsider.address))
        .to.be.revertedWithCustomError(communities, "NotCommunitySteward")
        .withArgs(communityId, outsider.address);
      await expect(communities.connect(steward).addSteward(communityId, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(communities, "ZeroAddress")
        .withArgs("account");
      await expect(communities.connect(steward).addSteward(communityId, steward.address))
        .to.be.revertedWithCustomError(communities, "AlreadySteward")
        .withArgs(communityId, steward.address);
      await expect(communities.connect(steward).addSteward(9n, outsider.address))
        .to.be.revertedWithCustomError(communities, "CommunityNotFound")
        .withArgs(9n);
    });

    it("removes a steward but never the last one", async () => {
      const { communities, communityId, steward, outsider } = await loadFixture(deployCommunityFixture);
      await expect(communities.connect(steward).removeSteward(communityId, steward.address))
        .to.be.revertedWithCustomError(communities, "LastSteward")
        .withArgs(communityId);
      await communities.connect(steward).addSteward(communityId, outsider.address);
      await expect(communities.connect(outsider).removeSteward(communityId, steward.address))
        .to.emit(communities, "StewardRemoved")
        .withArgs(communityId, steward.address, outsider.address);
      expect(await communities.isSteward(communityId, steward.address)).to.equal(false);
      expect((await communities.getCommunity(communityId)).stewardCount).to.equal(1n);
    });

    it("rejects removeSteward from non-stewards and for non-stewards", async () => {
      const { communities, communityId, steward, outsider, admin } = await loadFixture(deployCommunityFixture);
      await expect(communities.connect(outsider).removeSteward(communityId, steward.address))
        .to.be.revertedWithCustomError(communities, "NotCommunitySteward")
        .withArgs(communityId, outsider.address);
      // The admin's power is limited to adding stewards.
      await expect(communities.connect(admin).removeSteward(communityId, steward.address))
        .to.be.revertedWithCustomError(communities, "NotCommunitySteward")
        .withArgs(communityId, admin.address);
      await expect(communities.connect(steward).removeSteward(communityId, outsider.address))
        .to.be.revertedWithCustomError(communities, "NotSteward")
        .withArgs(communityId, outsider.address);
    });
  });

  describe("setMetadataURI", () => {
    it("lets a steward replace the URI", async () => {
      const { communities, communityId, steward } = await loadFixture(deployCommunityFixture);
      await expect(communities.connect(steward).setMetadataURI(communityId, "ipfs://new"))
        .to.emit(communities, "CommunityMetadataUpdated")
        .withArgs(communityId, "ipfs://new", steward.address);
      expect((await communities.getCommunity(communityId)).metadataURI).to.equal("ipfs://new");
    });

    it("rejects non-stewards, unknown communities and bad URIs", async () => {
      const { communities, communityId, steward, outsider } = await loadFixture(deployCommunityFixture);
      await expect(communities.connect(outsider).setMetadataURI(communityId, "ipfs://new"))
        .to.be.revertedWithCustomError(communities, "NotCommunitySteward")
        .withArgs(communityId, outsider.address);
      await expect(communities.connect(steward).setMetadataURI(0n, "ipfs://new"))
        .to.be.revertedWithCustomError(communities, "CommunityNotFound")
        .withArgs(0n);
      await expect(communities.connect(steward).setMetadataURI(communityId, ""))
        .to.be.revertedWithCustomError(communities, "StringTooShort")
        .withArgs("metadataURI", 0n, 1n);
    });
  });

  describe("members", () => {
    it("adds members idempotently and emits one event per new member", async () => {
      const { communities, communityId, steward, stakers } = await loadFixture(deployCommunityFixture);
      const [a, b, c] = stakers.map((s) => s.address);
      await expect(communities.connect(steward).addMembers(communityId, [a, b]))
        .to.emit(communities, "MemberAdded")
        .withArgs(communityId, a, steward.address)
        .and.to.emit(communities, "MemberAdded")
        .withArgs(communityId, b, steward.address);
      const receipt = await (await communities.connect(steward).addMembers(communityId, [a, c, c])).wait();
      const added = receipt!.logs
        .map((log) => communities.interface.parseLog(log))
        .filter((parsed) => parsed?.name === "MemberAdded")
        .map((parsed) => parsed!.args.member as string);
      expect(added).to.deep.equal([c]);
      expect(await communities.memberCount(communityId)).to.equal(3n);
      expect(await communities.isMember(communityId, a)).to.equal(true);
      expect(await communities.isMember(communityId, steward.address)).to.equal(false);
    });

    it("removes members idempotently", async () => {
      const { communities, communityId, steward, stakers } = await loadFixture(deployCommunityFixture);
      const [a, b, c] = stakers.map((s) => s.address);
      await communities.connect(steward).addMembers(communityId, [a, b]);
      const tx = communities.connect(steward).removeMembers(communityId, [a, c]);
      await expect(tx).to.emit(communities, "MemberRemoved").withArgs(communityId, a, steward.address);
      const receipt = await (await tx).wait();
      expect(receipt!.logs).to.have.length(1);
      expect(await communities.memberCount(communityId)).to.equal(1n);
      expect(await communities.isMember(communityId, a)).to.equal(false);
      expect(await communities.isMember(communityId, b)).to.equal(true);
    });

    it("bounds batches to 1..200 addresses", async () => {
      const { communities, communityId, steward } = await loadFixture(deployCommunityFixture);
      const many = Array.from({ length: 201 }, (_, i) => ethers.toBeHex(i + 1, 20));
      await expect(communities.connect(steward).addMembers(communityId, []))
        .to.be.revertedWithCustomError(communities, "InvalidBatchSize")
        .withArgs(0n, 200n);
      await expect(communities.connect(steward).addMembers(communityId, many))
        .to.be.revertedWithCustomError(communities, "InvalidBatchSize")
        .withArgs(201n, 200n);
      await expect(communities.connect(steward).removeMembers(communityId, many))
        .to.be.revertedWithCustomError(communities, "InvalidBatchSize")
        .withArgs(201n, 200n);
      await communities.connect(steward).addMembers(communityId, many.slice(0, 200));
      expect(await communities.memberCount(communityId)).to.equal(200n);
    });

    it("rejects zero members, non-stewards and unknown communities", async () => {
      const { communities, communityId, steward, outsider } = await loadFixture(deployCommunityFixture);
      await expect(communities.connect(steward).addMembers(communityId, [outsider.address, ethers.ZeroAddress]))
        .to.be.revertedWithCustomError(communities, "ZeroAddress")
        .withArgs("member");
      await expect(communities.connect(outsider).addMembers(communityId, [outsider.address]))
        .to.be.revertedWithCustomError(communities, "NotCommunitySteward")
        .withArgs(communityId, outsider.address);
      await expect(communities.connect(outsider).removeMembers(communityId, [outsider.address]))
        .to.be.revertedWithCustomError(communities, "NotCommunitySteward")
        .withArgs(communityId, outsider.address);
      await expect(communities.connect(steward).addMembers(2n, [outsider.address]))
        .to.be.revertedWithCustomError(communities, "CommunityNotFound")
        .withArgs(2n);
    });
  });

  describe("views of unknown communities", () => {
    it("revert with CommunityNotFound", async () => {
      const { communities, outsider } = await loadFixture(deployCommunityFixture);
      for (const call of [
        () => communities.getCommunity(7n),
        () => communities.isMember(7n, outsider.address),
        () => communities.isSteward(7n, outsider.address),
        () => communities.memberCount(7n),
      ]) {
        await expect(call()).to.be.revertedWithCustomError(communities, "CommunityNotFound").withArgs(7n);
      }
    });
  });

  describe("review hardening", () => {
    it("refuses a slug that differs from a taken one only in ASCII case", async () => {
      const { communities, outsider } = await loadFixture(deployCommunityFixture);
      await expect(communities.connect(outsider).createCommunity("vi-vn/home-cooking", "vi", "ipfs://x"))
        .to.be.revertedWithCustomError(communities, "SlugTaken")
        .withArgs("vi-vn/home-cooking", 1n);
      await expect(communities.connect(outsider).createCommunity("VI-vn/home-cooking", "vi", "ipfs://x"))
        .to.be.revertedWithCustomError(communities, "SlugTaken")
        .withArgs("VI-vn/home-cooking", 1n);
    });

    it("refuses metadata URIs with spaces, control bytes or non-ASCII bytes", async () => {
      const { communities, steward, outsider, communityId } = await loadFixture(deployCommunityFixture);
      const cases: [string, bigint][] = [
        ["ipfs://a b", 8n],
        ["ipfs://a\nb", 8n],
        ["\u001b[31mred", 0n],
        ["ipfs://caf\u00e9", 10n],
        ["ipfs://x\u007f", 8n],
      ];
      for (const [uri, index] of cases) {
        await expect(communities.connect(outsider).createCommunity("en/ok", "en", uri))
          .to.be.revertedWithCustomError(communities, "InvalidCharacter")
          .withArgs("metadataURI", index);
        await expect(communities.connect(steward).setMetadataURI(communityId, uri))
          .to.be.revertedWithCustomError(communities, "InvalidCharacter")
          .withArgs("metadataURI", index);
      }
      await expect(
        communities.connect(steward).setMetadataURI(communityId, "https://x.example/card.json?a=1&b=%20"),
      ).to.emit(communities, "CommunityMetadataUpdated");
    });
  });
});
