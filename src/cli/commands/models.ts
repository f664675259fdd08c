import type { Command } from "commander";
import {
  type Model,
  type ModelSummary,
  addDeployment,
  admitModel,
  getDeployment,
  getModel,
  getModelTerms,
  linkDataset,
  listModels,
  publishVersion,
  registerModel,
  removeDeployment,
  requireAccount,
  resolveCommunity,
  resolveModel,
  retireModel,
  setDeploymentStatus,
  setModelPrice,
  withdrawAdmission,
} from "../../sdk";
import { parseAddress, parseHash, parseId } from "../args";
import type { CliContext } from "../context";
import { formatTime, renderRecord, renderTable } from "../../render/output";
import { formatTokenAmount, parseTokenAmount } from "../units";
import { type RevertSentences, explainReverts } from "./reverts";

function modelRow(m: ModelSummary): Record<string, unknown> {
  return {
    id: m.id,
    name: m.name,
    locale: m.locale,
    community: m.communityId,
    version: m.latestVersion,
    live: m.liveDeployments,
    retired: m.retired ? "yes" : "",
    builder: m.builder,
  };
}

function renderModel(m: Model): string {
  const record = renderRecord({
    id: m.id,
    name: m.name,
    locale: m.locale,
    community: m.communityId,
    builder: m.builder,
    ...(m.pendingBuilder !== "0x0000000000000000000000000000000000000000"
      ? { "pending builder": m.pendingBuilder }
      : {}),
    version: m.latestVersion,
    "content hash": m.contentHash,
    "metadata URI": m.metadataURI,
    registered: formatTime(m.registeredAt),
    retired: m.retired ? "yes" : "no",
    "linked datasets": m.linkedDatasets.length === 0 ? "(none)" : m.linkedDatasets.join(", "),
  });
  const deployments = renderTable(
    m.deployments.map((d) => ({ deployment: d.id, status: d.status, operator: d.operator, endpoint: d.endpoint })),
  );
  return `${record}\n\nDeployments:\n${deployments}`;
}

/** Reverts of admission, which only a steward of the model's home community may change. */
const homeStewardOnly = (what: string): RevertSentences => ({
  NotCommunitySteward: ([communityId, caller]) =>
    `${String(caller)} is not a steward of community ${String(communityId)} (the model's home), so it cannot ${what}`,
});

/** `kho models …`: register models, publish versions, link datasets and manage deployments. */
export function registerModelsCommand(program: Command, ctx: CliContext): void {
  const group = program.command("models").description("localized models, their versions, datasets and deployments");

  group
    .command("register")
    .description("register a model (version 1); you become its builder")
    .requiredOption("--name <name>", "unique name, e.g. pho-bo-7b")
    .requiredOption("--locale <tag>", "BCP-47 locale, e.g. vi-VN")
    .requiredOption("--community <community>", "home community id or slug")
    .requiredOption("--metadata-uri <uri>", "model card URI")
    .requiredOption("--content-hash <hash>", "0x-prefixed 32-byte hash of the weights / artifact")
    .action(
      async (opts: { name: string; locale: string; community: string; metadataUri: string; contentHash: string }) => {
        const contentHash = parseHash(opts.contentHash);
        const client = await ctx.writeClient();
        const communityId = await resolveCommunity(client, { community: opts.community });
        const { modelId, hash } = await registerModel(client, {
          name: opts.name,
          locale: opts.locale,
          communityId,
          metadataURI: opts.metadataUri,
          contentHash,
        });
        ctx.print(() => `Registered model ${modelId} (${opts.name}) in community ${communityId} in ${hash}.`, {
          modelId,
          name: opts.name,
          communityId,
          hash,
        });
      },
    );

  group
    .command("version")
    .description("publish the next version of a model (builder only)")
    .argument("<model>", "id or name")
    .requiredOption("--content-hash <hash>", "0x-prefixed 32-byte hash of the new weights / artifact")
    .requiredOption("--metadata-uri <uri>", "model card URI of the new version")
    .action(async (model: string, opts: { contentHash: string; metadataUri: string }) => {
      const contentHash = parseHash(opts.contentHash);
      const client = await ctx.writeClient();
      const modelId = await resolveModel(client, { model });
      const { version, hash } = await publishVersion(client, { modelId, contentHash, metadataURI: opts.metadataUri });
      ctx.print(() => `Published version ${version} of model ${modelId} in ${hash}.`, { modelId, version, hash });
    });

  group
    .command("link-dataset")
    .description("record that a model is built from a dataset (builder only)")
    .argument("<model>", "id or name")
    .argument("<dataset>", "dataset id")
    .action(async (model: string, dataset: string) => {
      const datasetId = parseId(dataset, "dataset");
      const client = await ctx.writeClient();
      const modelId = await resolveModel(client, { model });
      const { hash } = await linkDataset(client, { modelId, datasetId });
      ctx.print(() => `Linked dataset ${datasetId} to model ${modelId} in ${hash}.`, { modelId, datasetId, hash });
    });

  group
    .command("deploy")
    .description("add an active deployment of a model (builder only)")
    .argument("<model>", "id or name")
    .requiredOption("--endpoint <url>", "http(s) URL of the inference endpoint")
    .option("--operator <address>", "address running the endpoint (default: you)")
    .action(async (model: string, opts: { endpoint: string; operator?: string }) => {
      const operator = opts.operator === undefined ? undefined : parseAddress(opts.operator, "operator");
      const client = await ctx.writeClient();
      const modelId = await resolveModel(client, { model });
      const { deploymentId, hash } = await addDeployment(client, {
        modelId,
        operator: operator ?? requireAccount(client, "addDeployment"),
        endpoint: opts.endpoint,
      });
      ctx.print(() => `Added deployment ${deploymentId} of model ${modelId} at ${opts.endpoint} in ${hash}.`, {
        deploymentId,
        modelId,
        endpoint: opts.endpoint,
        hash,
      });
    });

  group
    .command("undeploy")
    .description("remove a deployment for good (builder only)")
    .argument("<deployment>", "deployment id")
    .action(async (deployment: string) => {
      const deploymentId = parseId(deployment, "deployment");
      const client = await ctx.writeClient();
      const { hash } = await removeDeployment(client, { deploymentId });
      ctx.print(() => `Removed deployment ${deploymentId} in ${hash}.`, { deploymentId, status: "removed", hash });
    });

  for (const [name, status, verb] of [
    ["pause", "paused", "Paused"],
    ["resume", "active", "Resumed"],
  ] as const) {
    group
      .command(name)
      .description(`${name} a deployment (builder or operator)`)
      .argument("<deployment>", "deployment id")
      .action(async (deployment: string) => {
        const deploymentId = parseId(deployment, "deployment");
        const client = await ctx.writeClient();
        const { hash } = await setDeploymentStatus(client, { deploymentId, status });
        ctx.print(() => `${verb} deployment ${deploymentId} in ${hash}.`, { deploymentId, status, hash });
      });
  }

  group
    .command("retire")
    .description("retire a model for good (builder only)")
    .argument("<model>", "id or name")
    .action(async (model: string) => {
      const client = await ctx.writeClient();
      const modelId = await resolveModel(client, { model });
      const { hash } = await retireModel(client, { modelId });
      ctx.print(() => `Retired model ${modelId} in ${hash}.`, { modelId, hash });
    });

  group
    .command("list")
    .description("list models in id order")
    .option("--community <community>", "only models of this home community (id or slug)")
    .option("--active", "hide retired models")
    .option("--from <id>", "first id to read", "1")
    .option("--limit <n>", "how many ids to read", "100")
    .action(async (opts: { community?: string; active?: boolean; from: string; limit: string }) => {
      const client = await ctx.readClient();
      const communityId =
        opts.community === undefined ? undefined : await resolveCommunity(client, { community: opts.community });
      const page = await listModels(client, {
        fromId: parseId(opts.from, "first model"),
        limit: Number(parseId(opts.limit, "limit")),
        communityId,
        includeRetired: opts.active !== true,
      });
      ctx.print(() => renderTable(page.items.map(modelRow)), page);
    });

  group
    .command("show")
    .description("show a model with its deployments and linked datasets")
    .argument("<model>", "id or name")
    .action(async (model: string) => {
      const client = await ctx.readClient();
      const modelId = await resolveModel(client, { model });
      const m = await getModel(client, { modelId });
      ctx.print(() => renderModel(m), m);
    });

  group
    .command("deployment")
    .description("show one deployment")
    .argument("<deployment>", "deployment id")
    .action(async (deployment: string) => {
      const client = await ctx.readClient();
      const d = await getDeployment(client, { deploymentId: parseId(deployment, "deployment") });
      ctx.print(
        () =>
          renderRecord({
            deployment: d.id,
            model: d.modelId,
            status: d.status,
            operator: d.operator,
            endpoint: d.endpoint,
            added: formatTime(d.addedAt),
          }),
        d,
      );
    });

  registerTermsCommands(group, ctx);
}

/** The price per call (the builder) and admission by the home community (its stewards). */
function registerTermsCommands(group: Command, ctx: CliContext): void {
  group
    .command("price")
    .description("show a model's price per call, or set it (builder only; applies to calls after it)")
    .argument("<model>", "id or name")
    .argument("[amount]", "new price per call in token units, e.g. 0.5 (0 makes calls free)")
    .action(async (model: string, amountText: string | undefined) => {
      if (amountText === undefined) {
        const client = await ctx.readClient();
        const modelId = await resolveModel(client, { model });
        const terms = await getModelTerms(client, { modelId });
        ctx.print(
          () =>
            `Model ${modelId} costs ${formatTokenAmount(terms.pricePerCall)} KHO per call; ` +
            `${terms.admitted ? "admitted" : "not admitted"} by its home community.`,
          { modelId, pricePerCall: formatTokenAmount(terms.pricePerCall), admitted: terms.admitted },
        );
        return;
      }
      const pricePerCall = parseTokenAmount(amountText);
      const client = await ctx.writeClient();
      const modelId = await resolveModel(client, { model });
      const { hash } = await explainReverts(() => setModelPrice(client, { modelId, pricePerCall }), {
        NotModelBuilder: ([, caller]) =>
          `${String(caller)} is not the builder of model ${modelId}, so it cannot set its price`,
        ModelIsRetired: () => `model ${modelId} is retired, so its price cannot change`,
      });
      ctx.print(() => `Model ${modelId} now costs ${formatTokenAmount(pricePerCall)} KHO per call (${hash}).`, {
        modelId,
        pricePerCall: formatTokenAmount(pricePerCall),
        hash,
      });
    });

  group
    .command("admit")
    .description("admit a model into its home community (a steward of that community only)")
    .argument("<model>", "id or name")
    .action(async (model: string) => {
      const client = await ctx.writeClient();
      const modelId = await resolveModel(client, { model });
      const { hash } = await explainReverts(() => admitModel(client, { modelId }), {
        ...homeStewardOnly(`admit model ${modelId}`),
        ModelAlreadyAdmitted: () => `model ${modelId} is already admitted`,
        ModelIsRetired: () => `model ${modelId} is retired, so it cannot be admitted`,
      });
      ctx.print(() => `Admitted model ${modelId} into its home community (${hash}).`, {
        modelId,
        admitted: true,
        hash,
      });
    });

  group
    .command("withdraw-admission")
    .description("withdraw a model's admission by its home community (a steward of that community only)")
    .argument("<model>", "id or name")
    .action(async (model: string) => {
      const client = await ctx.writeClient();
      const modelId = await resolveModel(client, { model });
      const { hash } = await explainReverts(() => withdrawAdmission(client, { modelId }), {
        ...homeStewardOnly(`withdraw model ${modelId}'s admission`),
        ModelNotAdmitted: () => `model ${modelId} is not admitted`,
      });
      ctx.print(() => `Withdrew model ${modelId}'s admission (${hash}).`, { modelId, admitted: false, hash });
    });
}
