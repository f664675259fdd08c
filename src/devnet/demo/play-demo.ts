import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { type Address, getAddress, parseEventLogs, parseUnits } from "viem";
import { feeEscrowAbi, formatKho } from "../../protocol";
import { type EpochComputation, createRewardsPipeline, verifyEpoch, writeEpochOutput } from "../../rewards";
import {
  type KhoClient,
  acceptRewardRoot,
  balanceOf,
  claimRewards,
  createKhoClient,
  createRelayerClient,
  mint,
  fundEpoch,
  publishEpoch,
  stake,
} from "../../sdk";
import type { Clock } from "../../relayer";
import { type DevNetwork, type StartDevNetworkParameters, startDevNetwork } from "../dev-network";
import type { LocalAccount } from "../local-chain";
import { GENERIC_MODEL_PRICE, LOCAL_MODEL_PRICE } from "../paid-usage";
import { GENERIC_MODEL_NAME, LOCAL_MODEL_NAME } from "../seed";
import { growLocalDataset } from "./growth";
import { type DemoCall, GROWTH_DAY, demoWeek } from "./schedule";
import { sideBySide } from "./side-by-side";
import { renderDemoTables } from "./tables";

const DAY = 86_400n;
const EPOCH_LENGTH = 7n * DAY;
const TIMELOCK = DAY;
export const DEMO_BUDGET = parseUnits("10000", 18);
const STAKE = parseUnits("500", 18);
const EARLY_STAKE_AFTER = 600n;

export type PlayDemoParameters = {
  /** Narration and tables (stdout). */
  out: (text: string) => void;
  /** Progress lines (stderr). */
  progress: (message: string) => void;
};

export type PlayDemoReturnType = {
  computation: EpochComputation;
  localBuilderPayout: bigint;
  genericBuilderPayout: bigint;
  earlyStakerPayout: bigint;
  lateStakerPayout: bigint;
};

/**
 * The relayer's clock while the demo moves the chain: `set` jumps with the chain, and between jumps
 * it runs on a monotonic timer as Hardhat's clock does after a jump, so a network that stays up
 * after the demo (`kho dev --play-demo`) keeps dating receipts by the chain's time.
 */
export type DemoClock = Clock & { set(timestamp: bigint): void };

export function demoClock(start: bigint): DemoClock {
  let anchor = { time: start, at: process.hrtime.bigint() };
  return {
    now: () => anchor.time + (process.hrtime.bigint() - anchor.at) / 1_000_000_000n,
    set: (time) => void (anchor = { time, at: process.hrtime.bigint() }),
  };
}

/** How the dev network must start for the demo week to fit: a clean 7-day epoch 0 that begins after seeding. */
export function demoNetworkParameters(clock: DemoClock): StartDevNetworkParameters {
  return { epochLength: EPOCH_LENGTH, genesis: "next-hour", timelock: TIMELOCK, clock };
}

export type PlayDemoEpochParameters = PlayDemoParameters & {
  /** The clock the network's relayer was started with (demoNetworkParameters). */
  clock: DemoClock;
  /** Where the epoch's tree.json, payouts.json and report.md are written (`<epochsDir>/0/`). */
  epochsDir: string;
};

/**
 * One community epoch with a week of demo traffic through the relayer, from the first stake to an
 * accepted reward root: the epoch is closed by moving the chain's clock, rewards are computed,
 * published, verified from public data, and the timelock is waited out. Nothing is claimed, so
 * every payee can claim (the CLI, the web page).
 */
export async function playDemoEpoch(net: DevNetwork, parameters: PlayDemoEpochParameters): Promise<EpochComputation> {
  const { out, progress, clock } = parameters;
  const { chain, deployment, roles, seed } = net;
  const genesis = deployment.epoch.genesis;
  // The chain's clock only moves forward: the week starts with the early stake, 10 minutes into epoch 0.
  if (deployment.epoch.length !== EPOCH_LENGTH || (await chain.latestTimestamp()) >= genesis + EARLY_STAKE_AFTER) {
    throw new Error(
      "the demo epoch needs a network started with demoNetworkParameters, less than 10 minutes into its 7-day epoch 0",
    );
  }
  const moveTo = async (t: bigint) => {
    await chain.setTime(t);
    clock.set(t);
  };
  const clientFor = (account: LocalAccount): KhoClient =>
    createKhoClient({
      rpcUrl: chain.rpcUrl,
      chainId: chain.chainId,
      addresses: deployment.contracts,
      account: account.privateKey,
    });

  out(
    `1. Community vi-VN/home-cooking (id ${seed.communityId}) with its dataset (id ${seed.datasetId}) and ${net.members.length} attested members.`,
  );
  await moveTo(genesis + EARLY_STAKE_AFTER);
  await stake(clientFor(roles.earlyStaker), { datasetId: seed.datasetId, amount: STAKE });
  out(`   Early staker ${roles.earlyStaker.address} stakes ${formatKho(STAKE)} at the start of the epoch.`);
  out(
    `2. Models: ${LOCAL_MODEL_NAME} (local, ${seed.localDeploymentIds.length} deployment, ${formatKho(LOCAL_MODEL_PRICE)} per call, admitted by the recognized community) and ${GENERIC_MODEL_NAME} (generic, ${seed.genericDeploymentIds.length} deployments, ${formatKho(GENERIC_MODEL_PRICE)} per call); every caller has deposited into FeeEscrow.\n`,
  );

  const app = createRelayerClient({ baseUrl: net.relayer.url, apiKey: net.apiKeys.appDeveloper });
  const ask = async (model: string, question: string) =>
    (await app.chatCompletion({ model, messages: [{ role: "user", content: question }], user: "first-visitor" }))
      .completion.choices[0]?.message.content ?? "(no answer)";
  out(`3. Asking both models through the relayer:\n`);
  const viQuestion = "Tôi nấu cá kho thế nào?";
  const enQuestion = "How do I cook cá kho?";
  out(
    sideBySide(
      { title: `${LOCAL_MODEL_NAME}: "${viQuestion}"`, text: await ask(LOCAL_MODEL_NAME, viQuestion) },
      { title: `${GENERIC_MODEL_NAME}: "${enQuestion}"`, text: await ask(GENERIC_MODEL_NAME, enQuestion) },
    ),
  );
  out("");
  out(
    sideBySide(
      { title: `${LOCAL_MODEL_NAME}: "${enQuestion}"`, text: await ask(LOCAL_MODEL_NAME, enQuestion) },
      { title: `${GENERIC_MODEL_NAME}: "${viQuestion}"`, text: await ask(GENERIC_MODEL_NAME, viQuestion) },
    ),
  );
  out("");

  out("4. A week of usage:");
  const week = demoWeek();
  const builderClient = createRelayerClient({ baseUrl: net.relayer.url, apiKey: net.apiKeys.genericBuilder });
  const memberClient = createRelayerClient({
    baseUrl: net.relayer.url,
    domain: { chainId: chain.chainId, ledger: deployment.contracts.UsageLedger },
  });
  let nonce = 0n;
  for (let day = 0; day < 7; day++) {
    await moveTo(genesis + BigInt(day) * DAY + 9n * 3600n);
    if (day === GROWTH_DAY) {
      const grown = await growLocalDataset(net, {
        steward: clientFor(roles.steward),
        localBuilder: clientFor(roles.localBuilder),
        dir: path.join(net.dataDir, "datasets"),
      });
      out(
        `   day ${day + 1}: member ${grown.contributor} contributes entry ${grown.entryId} (a Mekong-delta cá kho tộ); the steward accepts it and publishes dataset v${grown.version} (content hash ${grown.contentHash}); ${LOCAL_MODEL_NAME} pins v${grown.version} and its server now answers from it`,
      );
    }
    const today = week.filter((c) => c.day === day);
    await runCalls(today, async (call: DemoCall) => {
      const messages = [{ role: "user" as const, content: call.question }];
      if (call.caller.kind === "member") {
        const wallet = net.members[call.caller.index]!;
        nonce += 1n;
        await memberClient.chatCompletion({
          model: LOCAL_MODEL_NAME,
          messages,
          wallet: { account: wallet, nonce, deadline: clock.now() + 3600n, maxFee: LOCAL_MODEL_PRICE },
        });
      } else if (call.caller.kind === "visitor") {
        await app.chatCompletion({ model: GENERIC_MODEL_NAME, messages, user: call.caller.name });
      } else {
        await builderClient.chatCompletion({ model: GENERIC_MODEL_NAME, messages });
      }
    });
    const local = today.filter((c) => c.model === "local");
    const generic = today.filter((c) => c.model === "generic");
    const visitors = new Set(generic.flatMap((c) => (c.caller.kind === "visitor" ? [c.caller.name] : []))).size;
    const selfCalls = generic.filter((c) => c.caller.kind === "builder").length;
    const who = [visitors > 0 ? `${visitors} one-off visitors` : "", selfCalls > 0 ? "its own builder" : ""]
      .filter(Boolean)
      .join(", ");
    const members = new Set(local.map((c) => JSON.stringify(c.caller))).size;
    out(
      `   day ${day + 1}: ${String(local.length).padStart(3)} calls to ${LOCAL_MODEL_NAME} by ${members} members, ` +
        `${String(generic.length).padStart(3)} calls to ${GENERIC_MODEL_NAME}${who ? ` (${who})` : ""}`,
    );
  }

  const epochEnd = genesis + EPOCH_LENGTH;
  await moveTo(epochEnd - 60n);
  await stake(clientFor(roles.lateStaker), { datasetId: seed.datasetId, amount: STAKE });
  out(`   Late staker ${roles.lateStaker.address} stakes ${formatKho(STAKE)} one minute before the epoch ends.`);
  progress("committing and settling the last receipt batches");
  await net.relayer.batcher.flush();
  const batcherError = net.relayer.batcher.lastError();
  if (batcherError !== null) throw new Error(`the relayer could not commit or settle its batches: ${batcherError}`);
  const fees = await settledFees(net);
  out(fees.summary);

  out("\n5. Closing the epoch: compute, verify, publish, wait out the timelock.");
  await moveTo(epochEnd + deployment.epoch.batchGracePeriod + 1n);
  const poster = clientFor(roles.deployer);
  const pipeline = createRewardsPipeline({
    client: poster,
    params: {},
    onProgress: progress,
  });
  try {
    // The protocol share of the fees already funds epoch 0; the dev token's owner mints and funds the rest of the budget.
    const topUp = DEMO_BUDGET - fees.protocolShare;
    await mint(poster, { to: roles.deployer.address, amount: topUp });
    await fundEpoch(poster, { epoch: 0n, amount: topUp });
    out(
      `   epoch 0 budget ${formatKho(DEMO_BUDGET)}: ${formatKho(fees.protocolShare)} from fees, ${formatKho(topUp)} funded by the poster`,
    );
    const computation = await pipeline.computeEpoch({ epoch: 0n });
    const written = await writeEpochOutput({ outDir: parameters.epochsDir, computation });
    out(`   computed epoch 0: root ${computation.tree.root}`);
    const published = await publishEpoch(poster, {
      tree: computation.tree,
      budget: computation.summary.budget.budget,
      previousTotal: computation.summary.budget.previousTotal,
      dataURI: pathToFileURL(written.files.tree).href,
    });
    out(`   published root ${published.root} (total ${formatKho(published.totalCumulative)})`);
    const check = await verifyEpoch({ pipeline, client: poster, epoch: 0n });
    out(`   verified from public data: ${check.equal ? "the recomputed root equals the root on chain" : check.reason}`);
    if (!check.equal) throw new Error(`verification failed: ${check.reason}`);
    for (const entry of computation.result.entries) {
      out(
        `   contributor payout: entry ${entry.entryId} of dataset ${entry.datasetId} by ${getAddress(entry.contributor)}: ${formatKho(entry.amount)}`,
      );
    }
    await moveTo(epochEnd + deployment.epoch.batchGracePeriod + TIMELOCK + 120n);
    await acceptRewardRoot(poster);
    out(`   timelock passed (${TIMELOCK / 3600n} h of chain time); root accepted`);

    return computation;
  } finally {
    await pipeline.close();
  }
}

/**
 * One community epoch from registration to claim, on a chain embedded in this process. The
 * thesis it shows: the model a community keeps returning to earns more than a generic model with
 * more deployments and more (one-off) calls; a last-minute stake earns about nothing.
 */
export async function playDemo(parameters: PlayDemoParameters): Promise<PlayDemoReturnType> {
  const { out, progress } = parameters;
  const clock = demoClock(BigInt(Math.floor(Date.now() / 1000)));
  const workDir = mkdtempSync(path.join(os.tmpdir(), "kho-demo-"));
  let network: DevNetwork | undefined;
  try {
    network = await startDevNetwork({
      ...demoNetworkParameters(clock),
      dataDir: workDir,
      relayerLogLevel: "silent",
      progress,
    });
    const net = network;
    out("Kho demo: one community epoch, from registration to claim\n");
    const computation = await playDemoEpoch(net, { out, progress, clock, epochsDir: path.join(workDir, "epochs") });
    const { roles } = net;
    const anyone = createKhoClient({
      rpcUrl: net.chain.rpcUrl,
      chainId: net.chain.chainId,
      addresses: net.deployment.contracts,
      account: roles.appDeveloper.privateKey,
    });
    let claimed = 0n;
    for (const entry of computation.tree.entries) {
      if (entry.cumulative === 0n) continue;
      const before = await balanceOf(anyone, { account: entry.account });
      await claimRewards(anyone, { account: entry.account, cumulative: entry.cumulative, proof: entry.proof });
      const after = await balanceOf(anyone, { account: entry.account });
      if (after - before !== entry.payout) {
        throw new Error(`${entry.account} received ${after - before} but its computed payout is ${entry.payout}`);
      }
      claimed += after - before;
    }
    out(
      `   claimed ${formatKho(claimed)} for ${computation.tree.entries.length} payees, each exactly its computed payout\n`,
    );

    const payoutOf = (account: Address, role: "builder" | "operator" | "staker") =>
      computation.result.accounts.find((a) => a.account === account)?.byRole[role] ?? 0n;
    const result: PlayDemoReturnType = {
      computation,
      localBuilderPayout: payoutOf(roles.localBuilder.address, "builder"),
      genericBuilderPayout: payoutOf(roles.genericBuilder.address, "builder"),
      earlyStakerPayout: payoutOf(roles.earlyStaker.address, "staker"),
      lateStakerPayout: payoutOf(roles.lateStaker.address, "staker"),
    };
    out("6. Results");
    out(renderDemoTables({ network: net, computation, result }));
    return result;
  } finally {
    await network?.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** What the week's settlements moved in FeeEscrow, read from its events. */
async function settledFees(net: DevNetwork): Promise<{ summary: string; protocolShare: bigint }> {
  const logs = await createKhoClient({
    rpcUrl: net.chain.rpcUrl,
    chainId: net.chain.chainId,
    addresses: net.deployment.contracts,
  }).public.getLogs({ address: net.deployment.contracts.FeeEscrow, fromBlock: 0n });
  const settled = parseEventLogs({ abi: feeEscrowAbi, eventName: "BatchSettled", logs });
  const paid = parseEventLogs({ abi: feeEscrowAbi, eventName: "OperatorPaid", logs });
  const total = settled.reduce((sum, l) => sum + l.args.total, 0n);
  const share = settled.reduce((sum, l) => sum + l.args.protocolShare, 0n);
  const income = (operators: readonly Address[]) =>
    paid.filter((l) => operators.includes(l.args.operator)).reduce((sum, l) => sum + l.args.paid, 0n);
  const { roles } = net;
  const localIncome = income([roles.localOperator.address]);
  const genericIncome = income(roles.genericOperators.map((o) => o.address));
  const summary =
    `   Fees settled in ${settled.length} batches: callers paid ${formatKho(total)}; operators earned ` +
    `${formatKho(localIncome)} (${LOCAL_MODEL_NAME}) and ${formatKho(genericIncome)} ` +
    `(${GENERIC_MODEL_NAME}); the protocol share of ${formatKho(share)} funds epoch 0's rewards.`;
  return { summary, protocolShare: share };
}

/** Runs calls a few at a time: concurrent enough to batch, ordered enough to stay deterministic. */
async function runCalls(calls: DemoCall[], run: (call: DemoCall) => Promise<void>): Promise<void> {
  const width = 4;
  for (let i = 0; i < calls.length; i += width) {
    await Promise.all(calls.slice(i, i + width).map(run));
  }
}
