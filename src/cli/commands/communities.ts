import type { Command } from "commander";
import type { Address } from "viem";
import {
  type Community,
  addMembers,
  addSteward,
  createCommunity,
  getCommunity,
  getCommunityStanding,
  isSteward,
  listCommunities,
  listMembers,
  postBond,
  recognizeCommunity,
  removeMembers,
  removeSteward,
  requireAccount,
  resolveCommunity,
  revokeRecognition,
  slashBond,
  withdrawBond,
} from "../../sdk";
import { parseAddress, parseId, readAddressFile } from "../args";
import type { CliContext } from "../context";
import { CliError } from "../errors";
import { formatTime, renderRecord, renderTable } from "../../render/output";
import { formatTokenAmount, parsePositiveTokenAmount } from "../units";
import { type RevertSentences, explainReverts, khoArg } from "./reverts";

function communityRow(c: Community): Record<string, unknown> {
  return {
    id: c.id,
    slug: c.slug,
    locale: c.locale,
    stewards: c.stewardCount,
    members: c.memberCount,
    creator: c.creator,
  };
}

function communityRecord(c: Community): Record<string, unknown> {
  return {
    id: c.id,
    slug: c.slug,
    locale: c.locale,
    "metadata URI": c.metadataURI,
    creator: c.creator,
    created: formatTime(c.createdAt),
    stewards: c.stewardCount,
    members: c.memberCount,
  };
}

type MemberOptions = { file?: string };

/** Addresses from arguments and/or `--file`, at least one in total. */
function memberAddresses(ctx: CliContext, args: string[], options: MemberOptions): Address[] {
  const fromArgs = args.map((a) => parseAddress(a, "member"));
  const fromFile = options.file === undefined ? [] : readAddressFile(options.file, ctx.cwd);
  const all = [...fromArgs, ...fromFile];
  if (all.length === 0) throw new CliError("give member addresses as arguments or with --file <file>");
  return all;
}

const notStewardSentence = (communityId: unknown, caller: unknown, what: string): string =>
  `${String(caller)} is not a steward of community ${String(communityId)}, so it cannot ${what}`;

/** Reverts of the steward-only bond commands. */
const stewardOnly = (what: string): RevertSentences => ({
  NotCommunitySteward: ([id, caller]) => notStewardSentence(id, caller, what),
});

/** Reverts of the GOVERNOR_ROLE-only commands (OpenZeppelin AccessControl). */
const governorOnly = (what: string): RevertSentences => ({
  AccessControlUnauthorizedAccount: ([caller]) =>
    `${String(caller)} is not the community governor (GOVERNOR_ROLE on CommunityRegistry), so it cannot ${what}`,
});

/** `kho communities …`: create and inspect communities, manage stewards and attested members. */
export function registerCommunitiesCommand(program: Command, ctx: CliContext): void {
  const group = program
    .command("communities")
    .description("communities (slug, locale, card), their stewards and attested members");

  group
    .command("create")
    .description("create a community; you become its first steward")
    .requiredOption("--slug <slug>", "unique slug, e.g. vi-VN/home-cooking")
    .requiredOption("--locale <tag>", "BCP-47 locale, e.g. vi-VN")
    .requiredOption("--metadata-uri <uri>", "community card URI")
    .action(async (opts: { slug: string; locale: string; metadataUri: string }) => {
      const client = await ctx.writeClient();
      const { communityId, hash } = await createCommunity(client, {
        slug: opts.slug,
        locale: opts.locale,
        metadataURI: opts.metadataUri,
      });
      ctx.print(() => `Created community ${communityId} (${opts.slug}) in ${hash}.`, {
        communityId,
        slug: opts.slug,
        hash,
      });
    });

  group
    .command("list")
    .description("list communities in id order")
    .option("--from <id>", "first id to show", "1")
    .option("--limit <n>", "how many to show", "100")
    .action(async (opts: { from: string; limit: string }) => {
      const client = await ctx.readClient();
      const page = await listCommunities(client, {
        fromId: parseId(opts.from, "first community"),
        limit: Number(parseId(opts.limit, "limit")),
      });
      ctx.print(() => renderTable(page.items.map(communityRow)), page);
    });

  group
    .command("show")
    .description("show one community")
    .argument("<community>", "id or slug")
    .action(async (community: string) => {
      const client = await ctx.readClient();
      const communityId = await resolveCommunity(client, { community });
      const c = await getCommunity(client, { communityId });
      ctx.print(() => renderRecord(communityRecord(c)), c);
    });

  const stewards = group.command("stewards").description("add or remove stewards (who attest members)");
  stewards
    .command("add")
    .description("make an address a steward (you must be a steward)")
    .argument("<community>", "id or slug")
    .argument("<address>", "the new steward")
    .action(async (community: string, address: string) => {
      const steward = parseAddress(address, "steward");
      const client = await ctx.writeClient();
      const communityId = await resolveCommunity(client, { community });
      const { hash } = await addSteward(client, { communityId, steward });
      ctx.print(() => `${steward} is now a steward of community ${communityId} (${hash}).`, {
        communityId,
        steward,
        hash,
      });
    });
  stewards
    .command("remove")
    .description("remove a steward (the last one cannot be removed)")
    .argument("<community>", "id or slug")
    .argument("<address>", "the steward to remove")
    .action(async (community: string, address: string) => {
      const steward = parseAddress(address, "steward");
      const client = await ctx.writeClient();
      const communityId = await resolveCommunity(client, { community });
      const { hash } = await removeSteward(client, { communityId, steward });
      ctx.print(() => `${steward} is no longer a steward of community ${communityId} (${hash}).`, {
        communityId,
        steward,
        hash,
      });
    });

  const members = group.command("members").description("attest, withdraw and list community members");
  members
    .command("add")
    .description("attest members (steward only); already-attested addresses are skipped")
    .argument("<community>", "id or slug")
    .argument("[addresses...]", "member addresses")
    .option("--file <file>", "file with one address per line (# comments allowed)")
    .action(async (community: string, addresses: string[], opts: MemberOptions) => {
      const list = memberAddresses(ctx, addresses, opts);
      const client = await ctx.writeClient();
      const communityId = await resolveCommunity(client, { community });
      const { added, hashes } = await addMembers(client, { communityId, members: list });
      ctx.print(
        () =>
          `Added ${added.length} member(s) to community ${communityId}; ${list.length - added.length} already were.`,
        { communityId, added, hashes },
      );
    });
  members
    .command("remove")
    .description("withdraw member attestations (steward only)")
    .argument("<community>", "id or slug")
    .argument("[addresses...]", "member addresses")
    .option("--file <file>", "file with one address per line (# comments allowed)")
    .action(async (community: string, addresses: string[], opts: MemberOptions) => {
      const list = memberAddresses(ctx, addresses, opts);
      const client = await ctx.writeClient();
      const communityId = await resolveCommunity(client, { community });
      const { removed, hashes } = await removeMembers(client, { communityId, members: list });
      ctx.print(
        () =>
          `Removed ${removed.length} member(s) from community ${communityId}; ${list.length - removed.length} were not members.`,
        { communityId, removed, hashes },
      );
    });
  members
    .command("list")
    .description("list current members (rebuilt from MemberAdded / MemberRemoved events)")
    .argument("<community>", "id or slug")
    .action(async (community: string) => {
      const client = await ctx.readClient();
      const communityId = await resolveCommunity(client, { community });
      const list = await listMembers(client, { communityId });
      ctx.print(() => renderTable(list.map((member) => ({ member }))), { communityId, members: list });
    });

  registerBondCommands(group, ctx);
}

/** Bond (stewards), recognition and slashing (the governor), and the standing anyone can read. */
function registerBondCommands(group: Command, ctx: CliContext): void {
  group
    .command("bond")
    .description("add to a community's bond (steward only; approves the registry first when needed)")
    .argument("<community>", "id or slug")
    .argument("<amount>", "token amount, e.g. 1000")
    .action(async (community: string, amountText: string) => {
      const amount = parsePositiveTokenAmount(amountText);
      const client = await ctx.writeClient();
      const communityId = await resolveCommunity(client, { community });
      const sender = requireAccount(client, "postBond");
      // Checked before the approval, which a non-steward would otherwise send (and pay for) in vain.
      if (!(await isSteward(client, { communityId, account: sender }))) {
        throw new CliError(notStewardSentence(communityId, sender, "post its bond"));
      }
      const result = await explainReverts(
        () => postBond(client, { communityId, amount }),
        stewardOnly("post its bond"),
      );
      ctx.print(
        () =>
          `Bonded ${formatTokenAmount(result.posted)} KHO to community ${communityId}; its bond is now ${formatTokenAmount(result.bond)} KHO (${result.hash}).`,
        {
          communityId,
          posted: formatTokenAmount(result.posted),
          bond: formatTokenAmount(result.bond),
          hash: result.hash,
          approveHash: result.approveHash ?? null,
        },
      );
    });

  group
    .command("withdraw-bond")
    .description("take tokens out of an unrecognized community's bond (steward only)")
    .argument("<community>", "id or slug")
    .argument("<amount>", "token amount")
    .action(async (community: string, amountText: string) => {
      const amount = parsePositiveTokenAmount(amountText);
      const client = await ctx.writeClient();
      const communityId = await resolveCommunity(client, { community });
      const result = await explainReverts(() => withdrawBond(client, { communityId, amount }), {
        ...stewardOnly("withdraw its bond"),
        CommunityIsRecognized: () =>
          `community ${communityId} is recognized, so its bond is locked until the governor revokes recognition`,
        InsufficientBond: ([, bond]) =>
          `cannot withdraw ${formatTokenAmount(amount)} KHO: community ${communityId}'s bond is only ${khoArg(bond)}`,
      });
      ctx.print(
        () =>
          `Withdrew ${formatTokenAmount(amount)} KHO from community ${communityId}'s bond; ${formatTokenAmount(result.bond)} KHO remain (${result.hash}).`,
        { communityId, withdrawn: formatTokenAmount(amount), bond: formatTokenAmount(result.bond), hash: result.hash },
      );
    });

  group
    .command("recognize")
    .description("count a bonded community's attestations as membership (governor only)")
    .argument("<community>", "id or slug")
    .action(async (community: string) => {
      const client = await ctx.writeClient();
      const communityId = await resolveCommunity(client, { community });
      const { hash } = await explainReverts(() => recognizeCommunity(client, { communityId }), {
        ...governorOnly("recognize communities"),
        CommunityIsRecognized: () => `community ${communityId} is already recognized`,
        BondBelowMinimum: ([, bond, minBond]) =>
          `community ${communityId} cannot be recognized: its bond is ${khoArg(bond)}, below the minimum of ${khoArg(minBond)}`,
      });
      ctx.print(() => `Community ${communityId} is recognized (${hash}).`, { communityId, recognized: true, hash });
    });

  group
    .command("revoke-recognition")
    .description("stop counting a community's attestations; this unlocks its bond (governor only)")
    .argument("<community>", "id or slug")
    .action(async (community: string) => {
      const client = await ctx.writeClient();
      const communityId = await resolveCommunity(client, { community });
      const { hash } = await explainReverts(() => revokeRecognition(client, { communityId }), {
        ...governorOnly("revoke recognition"),
        CommunityNotRecognized: () => `community ${communityId} is not recognized`,
      });
      ctx.print(() => `Community ${communityId} is no longer recognized (${hash}).`, {
        communityId,
        recognized: false,
        hash,
      });
    });

  group
    .command("slash")
    .description("slash part of a community's bond and revoke its recognition (governor only)")
    .argument("<community>", "id or slug")
    .argument("<amount>", "token amount to take from the bond")
    .requiredOption("--to <address>", "who receives the slashed tokens (e.g. the challenger)")
    .action(async (community: string, amountText: string, opts: { to: string }) => {
      const amount = parsePositiveTokenAmount(amountText);
      const recipient = parseAddress(opts.to, "recipient");
      const client = await ctx.writeClient();
      const communityId = await resolveCommunity(client, { community });
      const { hash } = await explainReverts(() => slashBond(client, { communityId, amount, recipient }), {
        ...governorOnly("slash bonds"),
        InsufficientBond: ([, bond]) =>
          `cannot slash ${formatTokenAmount(amount)} KHO: community ${communityId}'s bond is only ${khoArg(bond)}`,
      });
      ctx.print(
        () =>
          `Slashed ${formatTokenAmount(amount)} KHO of community ${communityId}'s bond to ${recipient}; it is not recognized (${hash}).`,
        { communityId, slashed: formatTokenAmount(amount), recipient, recognized: false, hash },
      );
    });

  group
    .command("standing")
    .description("a community's bond, the minimum bond for recognition, and whether it is recognized")
    .argument("<community>", "id or slug")
    .action(async (community: string) => {
      const client = await ctx.readClient();
      const communityId = await resolveCommunity(client, { community });
      const standing = await getCommunityStanding(client, { communityId });
      ctx.print(
        () =>
          renderRecord({
            community: communityId,
            bond: `${formatTokenAmount(standing.bond)} KHO`,
            "min bond": `${formatTokenAmount(standing.minBond)} KHO`,
            recognized: standing.recognized ? "yes" : "no",
          }),
        {
          communityId,
          bond: formatTokenAmount(standing.bond),
          minBond: formatTokenAmount(standing.minBond),
          recognized: standing.recognized,
        },
      );
    });
}
