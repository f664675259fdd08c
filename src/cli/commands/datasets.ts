import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import type { Address, Hex } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { datasetContentHash } from "../../protocol/dataset-content-hash";
import {
  type Contribution,
  acceptContributions,
  createContribution,
  parseContribution,
} from "../../model-server/dataset/contributions";
import { loadDataset } from "../../model-server/dataset/load-dataset";
import type { Dataset as KhoDataset } from "../../protocol/dataset-file";
import {
  type Dataset,
  KhoRevertError,
  getDataset,
  getStake,
  listDatasetVersions,
  listDatasets,
  publishDatasetVersion,
  registerDataset,
  resolveCommunity,
  stake,
  unstake,
  withdraw,
} from "../../sdk";
import { parseAddress, parseHash, parseId } from "../args";
import type { CliContext } from "../context";
import { type MirrorOptions, addMirrorOption, mirrorsOf, storeOnMirrors } from "../mirrors";
import { CliError } from "../errors";
import { formatTime, renderRecord, renderTable } from "../../render/output";
import { formatTokenAmount, parsePositiveTokenAmount } from "../units";

function datasetJson(d: Dataset): Record<string, unknown> {
  return { ...d, totalStake: formatTokenAmount(d.totalStake) };
}

type RegisterOptions = {
  community: string;
  locale?: string;
  metadataUri: string;
  contentHash?: string;
  file?: string;
  curator?: string;
};

/** A dataset version's content hash: given directly, or computed from a Kho dataset file (returned too). */
function contentHashOf(
  ctx: CliContext,
  opts: { contentHash?: string; file?: string },
): { contentHash: Hex; dataset?: KhoDataset } {
  if (opts.contentHash !== undefined && opts.file !== undefined) {
    throw new CliError("give either --content-hash or --file, not both");
  }
  if (opts.file !== undefined) {
    const dataset = loadDataset(path.resolve(ctx.cwd, opts.file));
    return { contentHash: datasetContentHash(dataset), dataset };
  }
  if (opts.contentHash === undefined) throw new CliError("give the dataset's --content-hash, or --file to hash it");
  return { contentHash: parseHash(opts.contentHash) };
}

/** The content hash and locale to register: given directly, or computed from a Kho dataset file. */
function datasetContent(ctx: CliContext, opts: RegisterOptions): { contentHash: Hex; locale: string } {
  const { contentHash, dataset } = contentHashOf(ctx, opts);
  const locale = opts.locale ?? dataset?.locale;
  if (locale === undefined) throw new CliError("give the dataset's --locale");
  return { contentHash, locale };
}

/** Reads a JSON file, failing with one sentence that names it. */
function readJson(ctx: CliContext, file: string): unknown {
  const resolved = path.resolve(ctx.cwd, file);
  let text: string;
  try {
    text = readFileSync(resolved, "utf8");
  } catch (cause) {
    throw new CliError(`cannot read ${file} (${(cause as NodeJS.ErrnoException).code ?? "unknown error"})`);
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new CliError(`${file} is not valid JSON: ${(cause as Error).message}`);
  }
}

/** Writes a JSON file people read and edit: two-space indented, final newline. */
function writeJson(ctx: CliContext, file: string, value: unknown): string {
  const resolved = path.resolve(ctx.cwd, file);
  writeFileSync(resolved, `${JSON.stringify(value, null, 2)}\n`);
  return resolved;
}

/** `kho datasets …`: register community datasets, grow them by versions, stake on them and withdraw. */
export function registerDatasetsCommand(program: Command, ctx: CliContext): void {
  const group = program.command("datasets").description("community datasets and the stake placed on them");

  group
    .command("register")
    .description("register a dataset of a community (steward only)")
    .requiredOption("--community <community>", "id or slug of the dataset's community")
    .requiredOption("--metadata-uri <uri>", "dataset card URI")
    .option("--locale <tag>", "BCP-47 locale (default with --file: the file's locale)")
    .option("--content-hash <hash>", "0x-prefixed 32-byte content hash")
    .option("--file <dataset.json>", "Kho dataset file to hash (keccak256 of its canonical JSON)")
    .option("--curator <address>", "who may update the dataset's metadata (default: you)")
    .action(async (opts: RegisterOptions) => {
      const { contentHash, locale } = datasetContent(ctx, opts);
      const curator: Address | undefined =
        opts.curator === undefined ? undefined : parseAddress(opts.curator, "curator");
      const client = await ctx.writeClient();
      const communityId = await resolveCommunity(client, { community: opts.community });
      const { datasetId, hash } = await registerDataset(client, {
        communityId,
        locale,
        metadataURI: opts.metadataUri,
        contentHash,
        curator,
      });
      ctx.print(
        () => `Registered dataset ${datasetId} in community ${communityId} (content ${contentHash}) in ${hash}.`,
        {
          datasetId,
          communityId,
          contentHash,
          hash,
        },
      );
    });

  group
    .command("versions")
    .description("every published version of a dataset: content hash, URI, publisher, time")
    .argument("<dataset>", "dataset id")
    .action(async (id: string) => {
      const datasetId = parseId(id, "dataset");
      const versions = await listDatasetVersions(await ctx.readClient(), { datasetId });
      ctx.print(
        () =>
          renderTable(
            versions.map((v) => ({
              version: v.version,
              "content hash": v.contentHash,
              uri: v.uri,
              publisher: v.publisher,
              published: formatTime(v.publishedAt),
            })),
          ),
        { datasetId, versions },
      );
    });

  addMirrorOption(
    group
      .command("publish-version")
      .description("publish a dataset's next version, e.g. one that accepts contributions (curator or steward)")
      .argument("<dataset>", "dataset id")
      .requiredOption("--uri <uri>", "where the version's dataset file is")
      .option("--file <dataset.json>", "Kho dataset file to hash (keccak256 of its canonical JSON)")
      .option("--content-hash <hash>", "0x-prefixed 32-byte content hash"),
    "a mirror to store the version's file on (needs --file), named by its content hash, before the version is published",
  ).action(async (id: string, opts: MirrorOptions & { uri: string; file?: string; contentHash?: string }) => {
    const datasetId = parseId(id, "dataset");
    const { contentHash } = contentHashOf(ctx, opts);
    const mirrors = mirrorsOf(ctx, opts);
    // The key and deployment are checked first: a command that cannot publish stores nothing.
    const client = await ctx.writeClient();
    if (mirrors.length > 0) {
      // Reward verifiers fetch a cited version's file by its content hash; a mirror must hold it first.
      if (opts.file === undefined) throw new CliError("--mirror stores the version's file: give it with --file");
      const bytes = readFileSync(path.resolve(ctx.cwd, opts.file));
      await storeOnMirrors(ctx, mirrors, { name: contentHash, bytes, what: "the dataset file" });
    }
    const { version, hash } = await publishDatasetVersion(client, {
      datasetId,
      uri: opts.uri,
      contentHash,
    });
    ctx.print(() => `Published version ${version} of dataset ${datasetId} (content ${contentHash}) in ${hash}.`, {
      datasetId,
      version,
      contentHash,
      hash,
    });
  });

  group
    .command("contribute")
    .description("propose an entry for a dataset's next version, credited to you (a file a steward reviews)")
    .requiredOption("--dataset <dataset.json>", "the dataset file the entry is written for (its latest version)")
    .requiredOption("--entry <entry.json>", "the entry: id, title, tags, question, answer (see datasets/README.md)")
    .requiredOption("--out <contribution.json>", "where to write the contribution")
    .option("--contributor <address>", "who is credited (default: the key's address)")
    .action((opts: { dataset: string; entry: string; out: string; contributor?: string }) => {
      const key = ctx.privateKey();
      const contributor: Address | undefined =
        opts.contributor !== undefined
          ? parseAddress(opts.contributor, "contributor")
          : key === undefined
            ? undefined
            : privateKeyToAddress(key);
      if (contributor === undefined) {
        throw new CliError("give --contributor, or a key with --private-key or KHO_PRIVATE_KEY");
      }
      const base = loadDataset(path.resolve(ctx.cwd, opts.dataset));
      const contribution = createContribution(base, readJson(ctx, opts.entry), contributor);
      const file = writeJson(ctx, opts.out, contribution);
      ctx.print(
        () =>
          `Wrote ${file}: entry ${contribution.entry.id} for ${base.id} v${base.version + 1}, credited to ${contributor}.`,
        { file, contribution },
      );
    });

  group
    .command("review")
    .description("accept contributions into the dataset's next version file and print its content hash (steward)")
    .requiredOption("--dataset <dataset.json>", "the dataset's latest version file")
    .requiredOption("--accept <contribution.json...>", "contribution files to accept, in order")
    .requiredOption("--out <dataset.json>", "where to write the next version")
    .action((opts: { dataset: string; accept: string[]; out: string }) => {
      const base = loadDataset(path.resolve(ctx.cwd, opts.dataset));
      const contributions: Contribution[] = opts.accept.map((f) => parseContribution(readJson(ctx, f), f));
      const next = acceptContributions(base, contributions);
      const file = writeJson(ctx, opts.out, next);
      const contentHash = datasetContentHash(next);
      const accepted = contributions.map((c) => ({ entryId: c.entry.id, contributor: c.entry.contributor }));
      ctx.print(
        () =>
          [
            `Wrote ${file}: ${next.id} v${next.version}, content ${contentHash}.`,
            renderTable(accepted.map((a) => ({ entry: a.entryId, contributor: a.contributor }))),
            `Publish it with: kho datasets publish-version <dataset id> --uri <where it is> --file ${opts.out}`,
          ].join("\n"),
        { file, id: next.id, version: next.version, contentHash, accepted },
      );
    });

  group
    .command("list")
    .description("list datasets in id order")
    .option("--community <community>", "only this community's datasets (id or slug)")
    .option("--from <id>", "first id to read", "1")
    .option("--limit <n>", "how many ids to read", "100")
    .action(async (opts: { community?: string; from: string; limit: string }) => {
      const client = await ctx.readClient();
      const communityId =
        opts.community === undefined ? undefined : await resolveCommunity(client, { community: opts.community });
      const page = await listDatasets(client, {
        fromId: parseId(opts.from, "first dataset"),
        limit: Number(parseId(opts.limit, "limit")),
        communityId,
      });
      ctx.print(
        () =>
          renderTable(
            page.items.map((d) => ({
              id: d.id,
              community: d.communityId,
              locale: d.locale,
              "total stake": formatTokenAmount(d.totalStake),
              curator: d.curator,
              "metadata URI": d.metadataURI,
            })),
          ),
        { total: page.total, items: page.items.map(datasetJson) },
      );
    });

  group
    .command("show")
    .description("show a dataset, with a staker's position when a staker or key is given")
    .argument("<dataset>", "dataset id")
    .option("--staker <address>", "whose stake to show (default: the key's address, if any)")
    .action(async (id: string, opts: { staker?: string }) => {
      const datasetId = parseId(id, "dataset");
      const client = await ctx.readClient();
      const d = await getDataset(client, { datasetId });
      const staker = opts.staker === undefined ? client.account?.address : parseAddress(opts.staker, "staker");
      const position = staker === undefined ? undefined : await getStake(client, { datasetId, staker });
      const record: Record<string, unknown> = {
        id: d.id,
        community: d.communityId,
        locale: d.locale,
        "metadata URI": d.metadataURI,
        "content hash": d.contentHash,
        curator: d.curator,
        registered: formatTime(d.registeredAt),
        "total stake": formatTokenAmount(d.totalStake),
      };
      if (position) {
        record.staker = position.staker;
        record.stake = formatTokenAmount(position.stake);
        record.unbonding = position.unbonding.map(
          (e) => `${formatTokenAmount(e.amount)} on dataset ${e.datasetId} from ${formatTime(e.releaseTime)}`,
        );
        record.withdrawable = formatTokenAmount(position.withdrawable);
      }
      ctx.print(() => renderRecord(record), {
        ...datasetJson(d),
        position:
          position === undefined
            ? null
            : {
                staker: position.staker,
                stake: formatTokenAmount(position.stake),
                unbonding: position.unbonding.map((e) => ({ ...e, amount: formatTokenAmount(e.amount) })),
                withdrawable: formatTokenAmount(position.withdrawable),
              },
      });
    });

  group
    .command("stake")
    .description("stake tokens on a dataset (approves the staking contract first when needed)")
    .argument("<dataset>", "dataset id")
    .argument("<amount>", "token amount, e.g. 12.5")
    .action(async (id: string, amountText: string) => {
      const datasetId = parseId(id, "dataset");
      const amount = parsePositiveTokenAmount(amountText);
      const client = await ctx.writeClient();
      const result = await stake(client, { datasetId, amount });
      ctx.print(
        () =>
          `Staked ${formatTokenAmount(result.staked)} on dataset ${datasetId}; your stake is now ${formatTokenAmount(result.newStake)} (${result.hash}).`,
        {
          datasetId,
          staked: formatTokenAmount(result.staked),
          stake: formatTokenAmount(result.newStake),
          hash: result.hash,
          approveHash: result.approveHash ?? null,
        },
      );
    });

  group
    .command("unstake")
    .description("remove stake now; the tokens can be withdrawn after the unbonding period")
    .argument("<dataset>", "dataset id")
    .argument("<amount>", "token amount, e.g. 12.5")
    .action(async (id: string, amountText: string) => {
      const datasetId = parseId(id, "dataset");
      const amount = parsePositiveTokenAmount(amountText);
      const client = await ctx.writeClient();
      const result = await unstake(client, { datasetId, amount });
      ctx.print(
        () =>
          `Unstaked ${formatTokenAmount(amount)} from dataset ${datasetId}; withdrawable from ${formatTime(result.releaseTime)} (${result.hash}).`,
        {
          datasetId,
          unstaked: formatTokenAmount(amount),
          stake: formatTokenAmount(result.newStake),
          releaseTime: result.releaseTime,
          hash: result.hash,
        },
      );
    });

  group
    .command("withdraw")
    .description("withdraw every unstaked amount whose unbonding period has passed")
    .action(async () => {
      const client = await ctx.writeClient();
      let result;
      try {
        result = await withdraw(client);
      } catch (error) {
        if (error instanceof KhoRevertError && error.errorName === "NothingMatured") {
          const nextRelease = error.errorArgs[1];
          throw new CliError(
            typeof nextRelease === "bigint" && nextRelease > 0n
              ? `nothing to withdraw yet: your earliest unstaked tokens unlock at ${formatTime(nextRelease)}`
              : "nothing to withdraw: you have no unstaked tokens waiting",
            { cause: error },
          );
        }
        throw error;
      }
      ctx.print(() => `Withdrew ${formatTokenAmount(result.amount)} (${result.hash}).`, {
        withdrawn: formatTokenAmount(result.amount),
        hash: result.hash,
      });
    });
}
