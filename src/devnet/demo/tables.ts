import { formatUnits, getAddress } from "viem";
import type { EpochComputation } from "../../rewards";
import { renderTable } from "../../render/output";
import type { DevNetwork } from "../dev-network";
import { GENERIC_MODEL_NAME, LOCAL_MODEL_NAME } from "../seed";

type Totals = {
  localBuilderPayout: bigint;
  genericBuilderPayout: bigint;
  earlyStakerPayout: bigint;
  lateStakerPayout: bigint;
};

const kho = (amount: bigint): string => `${Number(formatUnits(amount, 18)).toFixed(2)} KHO`;

/** Ratio a/b with one decimal, computed in integers so the output is stable. */
function ratio(a: bigint, b: bigint): string {
  if (b === 0n) return "∞";
  const tenths = (a * 10n) / b;
  return `${tenths / 10n}.${tenths % 10n}`;
}

/** The per-model and per-staker tables and the conclusion the numbers support. */
export function renderDemoTables(parameters: {
  network: DevNetwork;
  computation: EpochComputation;
  result: Totals;
}): string {
  const { network, computation, result } = parameters;
  const { seed, roles } = network;
  const names = new Map([
    [seed.localModelId, LOCAL_MODEL_NAME],
    [seed.genericModelId, GENERIC_MODEL_NAME],
  ]);
  const models = computation.result.models
    .filter((m) => names.has(m.modelId))
    .map((m) => ({
      model: names.get(m.modelId),
      deployments: m.deployments,
      calls: m.calls,
      "distinct users": m.distinctUsers,
      "returning users": m.returningUsers,
      "self calls (count 0)": m.selfCalls,
      "builder payout": kho(m.builderPayout),
      "operators payout": kho(m.operatorPayout),
    }));
  const stakers = [
    { who: "early staker", account: roles.earlyStaker.address, payout: result.earlyStakerPayout },
    { who: "last-minute staker", account: roles.lateStaker.address, payout: result.lateStakerPayout },
  ].map((s) => {
    const explanation = computation.result.accounts
      .find((a) => a.account === s.account)
      ?.staker.find((x) => x.datasetId === seed.datasetId);
    return {
      staker: s.who,
      "stake at end": kho(explanation?.stakeAtEnd ?? 0n),
      "KHO × days staked": `${Number(formatUnits((explanation?.stakeTime ?? 0n) / 86_400n, 18)).toFixed(2)}`,
      payout: kho(s.payout),
    };
  });
  const contributors = computation.result.entries.map((e) => {
    const users = computation.result.accounts
      .find((a) => a.account.toLowerCase() === e.contributor.toLowerCase())
      ?.contributor.filter((c) => c.entryId === e.entryId && c.datasetId === e.datasetId)
      .reduce((sum, c) => sum + c.users, 0);
    return {
      entry: e.entryId,
      dataset: `${e.datasetId}`,
      contributor: getAddress(e.contributor),
      "users citing": users ?? 0,
      payout: kho(e.amount),
    };
  });
  const local = computation.result.models.find((m) => m.modelId === seed.localModelId)!;
  const generic = computation.result.models.find((m) => m.modelId === seed.genericModelId)!;
  const comparison =
    result.genericBuilderPayout === 0n
      ? `its builder earned ${kho(result.localBuilderPayout)} while the generic builder earned nothing`
      : `its builder earned ${ratio(result.localBuilderPayout, result.genericBuilderPayout)}× the generic builder (${kho(result.localBuilderPayout)} vs ${kho(result.genericBuilderPayout)})`;
  const contributed = contributors
    .map(
      (c) =>
        `${c.contributor} earned ${c.payout} for entry ${c.entry}, cited in answers to ${c["users citing"]} members`,
    )
    .join("; ");
  const conclusion =
    result.localBuilderPayout > result.genericBuilderPayout
      ? `Conclusion: ${LOCAL_MODEL_NAME} served ${local.calls} calls to ${generic.calls} and has ${local.deployments} deployment to ${generic.deployments}, yet ${comparison}, because ${local.returningUsers} community members kept coming back, while one-off visitors count a tenth of a returning day and at most half of the protocol fees they paid (docs/rewards.md); the last-minute staker earned ${kho(result.lateStakerPayout)} against the early staker's ${kho(result.earlyStakerPayout)}${contributed === "" ? "" : `; the dataset grew during the epoch and its contributor was paid because members kept coming back to the answer: ${contributed}`}.`
      : `Conclusion: the generic model's builder earned at least as much as the local one (${kho(result.genericBuilderPayout)} vs ${kho(result.localBuilderPayout)}) — the thesis did not hold for these numbers.`;
  return [
    "",
    "Per model (epoch 0)",
    renderTable(models),
    "",
    "Per staker of dataset vi-VN/home-cooking",
    renderTable(stakers),
    "",
    "Contributor payouts per entry of dataset vi-VN/home-cooking",
    contributors.length === 0 ? "(no answer cited a credited entry)" : renderTable(contributors),
    "",
    `Budget ${kho(computation.result.budget)}: builders ${kho(computation.result.pools.builders)}, operators ${kho(computation.result.pools.operators)}, stakers ${kho(computation.result.pools.stakers)}, contributors ${kho(computation.result.pools.contributors)}; carried into the next epoch ${kho(computation.result.unallocated)}.`,
    "",
    conclusion,
  ].join("\n");
}
