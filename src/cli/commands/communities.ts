import type { Command } from "commander";
import type { Address } from "viem";
import {
  type Community,
  addMembers,
  addSteward,
  createCommunity,
  getCommunity,
  listCommunities,
  listMembers,
  removeMembers,
  removeSteward,
  resolveCommunity,
} from "../../sdk";
import { parseAddress, parseId, readAddressFile } from "../args";
import type { CliContext } from "../context";
import { CliError } from "../errors";
import { formatTime, renderRecord, renderTable } from "../../render/output";

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
}
