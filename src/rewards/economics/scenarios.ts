import type { Address } from "viem";
import { computeEpochRewards } from "../core";
import type { EpochRewardsResult } from "../core";
import {
  ATTACKER,
  BUDGET,
  EPOCH_LENGTH,
  GENERIC_MODEL,
  HONEST_STAKE,
  LOCAL_COMMUNITY,
  LOCAL_DATASET,
  LOCAL_MODEL,
  PROTOCOL_FEE_BPS,
  TOKEN,
  UNSTAKED_DATASET,
  type World,
  address,
  attribute,
  cite,
  contributor,
  contributorBaseline,
  honestBaseline,
  localBuilder,
  localOperator,
  member,
  pseudonym,
  stakeCost,
  wallet,
} from "./world";

/** What an attack cost, by kind (token units). */
export type AttackCost = { fees: bigint; bond: bigint; stakeTime: bigint };

export type ScenarioOutcome = {
  /** What the attacker's accounts received, minus what they receive in the honest baseline. */
  reward: bigint;
  cost: AttackCost;
  /** For collusion and JIT stake: the documented most the attack may earn. */
  bound?: bigint;
};

export type Scenario = {
  group: string;
  name: string;
  /** Left out of the quick mode that `npm test` runs (the largest sizes). */
  heavy?: boolean;
  run(): ScenarioOutcome;
};

export type ScenarioResult = ScenarioOutcome & { group: string; name: string; net: bigint; pass: boolean };

const ATTACK_MODEL = 10n;
const ATTACK_COMMUNITY = 50n;
const attackBuilder = address(ATTACKER, 1);
const attackOperator = address(ATTACKER, 2);
const attackKey = address(ATTACKER, 3);
const alt = (i: number) => address(ATTACKER, 1_000 + i);
/** What a steward must post for its community to be recognized (CommunityRegistry.minBond in the demo). */
export const COMMUNITY_BOND = 1_000n * TOKEN;

function rewardOf(result: EpochRewardsResult, accounts: readonly Address[]): bigint {
  const wanted = new Set(accounts.map((a) => a.toLowerCase()));
  return result.accounts.filter((a) => wanted.has(a.account.toLowerCase())).reduce((s, a) => s + a.amount, 0n);
}

/**
 * Fees an attack pays, counted at what leaves the attacker for good: when the attacker operates the
 * serving deployment the operator part of each fee comes back, so only the protocol part is a cost.
 */
function feeCost(world: World, payers: readonly Address[], attackerOperates: boolean): bigint {
  const wanted = new Set(payers.map((a) => a.toLowerCase()));
  let fees = 0n;
  for (const r of world.receipts) if (wanted.has(r.payer.toLowerCase())) fees += r.fee;
  return attackerOperates ? (fees * BigInt(PROTOCOL_FEE_BPS)) / 10_000n : fees;
}

/** The attacker's own model: priced, in a community nobody recognized, not admitted. */
function attackModel(world: World, modelId = ATTACK_MODEL, communityId = ATTACK_COMMUNITY): void {
  world.model({ modelId, builder: attackBuilder, communityId, admitted: false, operators: [attackOperator] });
}

type FarmMode = "one call" | "daily" | "aged";

function farmDays(mode: FarmMode): number[] {
  return mode === "one call" ? [0] : [0, 1, 2, 3, 4, 5, 6];
}

function pseudonymFarm(k: number, mode: FarmMode): ScenarioOutcome {
  const world = honestBaseline();
  attackModel(world);
  for (let i = 0; i < k; i++) {
    const user = { kind: "pseudonym" as const, id: pseudonym(attackKey, i) };
    for (const day of farmDays(mode)) world.calls(ATTACK_MODEL, user, attackKey, day);
    if (mode === "aged") world.aged(ATTACK_MODEL, user, 5);
  }
  const result = computeEpochRewards(world.input());
  return {
    reward: rewardOf(result, [attackBuilder, attackOperator, attackKey]),
    cost: { fees: feeCost(world, [attackKey], true), bond: 0n, stakeTime: 0n },
  };
}

function walletFarm(k: number, options: { attest?: boolean; aged?: boolean } = {}): ScenarioOutcome {
  const world = honestBaseline();
  attackModel(world);
  const wallets = Array.from({ length: k }, (_, i) => alt(i));
  // Attested by the attacker's own community, which it admitted its model into; nobody recognized it.
  if (options.attest) {
    world.community(ATTACK_COMMUNITY, false, wallets);
    world.models.get(ATTACK_MODEL)!.admitted = true;
  }
  for (const w of wallets) {
    for (let day = 0; day < 7; day++) world.calls(ATTACK_MODEL, wallet(w), w, day);
    if (options.aged) world.aged(ATTACK_MODEL, wallet(w), 5);
  }
  const result = computeEpochRewards(world.input());
  return {
    reward: rewardOf(result, [attackBuilder, attackOperator, ...wallets]),
    cost: { fees: feeCost(world, wallets, true), bond: 0n, stakeTime: 0n },
  };
}

function wash(calls: number): ScenarioOutcome {
  const world = honestBaseline();
  attackModel(world);
  world.calls(ATTACK_MODEL, wallet(attackKey), attackKey, 0, calls);
  const result = computeEpochRewards(world.input());
  return {
    reward: rewardOf(result, [attackBuilder, attackOperator, attackKey]),
    cost: { fees: feeCost(world, [attackKey], true), bond: 0n, stakeTime: 0n },
  };
}

/** The local builder calls its own model daily from 10 aged alt addresses that pay for themselves. */
function builderAlts(): ScenarioOutcome {
  const base = computeEpochRewards(honestBaseline().input());
  const world = honestBaseline();
  const alts = Array.from({ length: 10 }, (_, i) => alt(i));
  for (const a of alts) {
    for (let day = 0; day < 7; day++) world.calls(LOCAL_MODEL, wallet(a), a, day, 3);
    world.aged(LOCAL_MODEL, wallet(a), 5);
  }
  const who = [localBuilder, localOperator, ...alts];
  const result = computeEpochRewards(world.input());
  return {
    reward: rewardOf(result, who) - rewardOf(base, who),
    cost: { fees: feeCost(world, alts, true), bond: 0n, stakeTime: 0n },
  };
}

/** The local builder adds n deployments run by its own alt addresses; the honest traffic is unchanged. */
function deploymentSpam(n: number): ScenarioOutcome {
  const base = computeEpochRewards(honestBaseline().input());
  const world = honestBaseline();
  const alts = Array.from({ length: n }, (_, i) => alt(i));
  const local = world.models.get(LOCAL_MODEL)!;
  world.models.set(LOCAL_MODEL, {
    ...local,
    deployments: [
      ...local.deployments,
      ...alts.map((operator, i) => ({ deploymentId: LOCAL_MODEL * 1_000n + BigInt(i + 2), operator })),
    ],
  });
  // Re-serve the same calls round-robin over all deployments, as a load balancer would.
  const deployments = world.models.get(LOCAL_MODEL)!.deployments;
  let next = 0;
  for (const r of world.receipts)
    if (r.modelId === LOCAL_MODEL) r.deploymentId = deployments[next++ % deployments.length]!.deploymentId;
  const who = [localBuilder, localOperator, ...alts];
  const result = computeEpochRewards(world.input());
  return { reward: rewardOf(result, who) - rewardOf(base, who), cost: { fees: 0n, bond: 0n, stakeTime: 0n } };
}

/**
 * 10× the honest stake arrives `seconds` before the end. Bound: its share of the dataset's staker
 * amount is its share of stake × time, S·t / (S·t + honest stake × epoch length), never more.
 */
function jitStake(seconds: bigint): ScenarioOutcome {
  const world = honestBaseline();
  const staker = address(ATTACKER, 7);
  const amount = 10n * 2n * HONEST_STAKE;
  world.stake(LOCAL_DATASET, staker, amount, EPOCH_LENGTH - seconds);
  const result = computeEpochRewards(world.input());
  const dataset = result.datasets.find((d) => d.datasetId === LOCAL_DATASET)!;
  const attackTime = amount * seconds;
  const honestTime = 2n * HONEST_STAKE * EPOCH_LENGTH;
  return {
    reward: rewardOf(result, [staker]),
    cost: { fees: 0n, bond: 0n, stakeTime: stakeCost(amount, seconds) },
    bound: (dataset.share * attackTime) / (attackTime + honestTime),
  };
}

/** A lone stake on a dataset the local model links but nobody staked. */
function loneStake(amount: bigint): ScenarioOutcome {
  const world = honestBaseline();
  const staker = address(ATTACKER, 8);
  world.stake(UNSTAKED_DATASET, staker, amount);
  const result = computeEpochRewards(world.input());
  return {
    reward: rewardOf(result, [staker]),
    cost: { fees: 0n, bond: 0n, stakeTime: stakeCost(amount, EPOCH_LENGTH) },
  };
}

/** `wallets` wallets each call each of `models` attacker models once a day. */
function crossModel(wallets: number, models: number): ScenarioOutcome {
  const world = honestBaseline();
  const ids = Array.from({ length: models }, (_, i) => 100n + BigInt(i));
  for (const id of ids) attackModel(world, id);
  const payers = Array.from({ length: wallets }, (_, i) => alt(i));
  for (const w of payers) for (const id of ids) for (let day = 0; day < 7; day++) world.calls(id, wallet(w), w, day);
  const result = computeEpochRewards(world.input());
  return {
    reward: rewardOf(result, [attackBuilder, attackOperator, ...payers]),
    cost: { fees: feeCost(world, payers, true), bond: 0n, stakeTime: 0n },
  };
}

/** One real member of the local community calls 100 junk models of the attacker (claiming that community) daily. */
function memberOverJunk(models: number): ScenarioOutcome {
  const world = honestBaseline();
  const ids = Array.from({ length: models }, (_, i) => 100n + BigInt(i));
  for (const id of ids) attackModel(world, id, LOCAL_COMMUNITY);
  const colluder = member(0);
  for (const id of ids) for (let day = 0; day < 7; day++) world.calls(id, wallet(colluder), colluder, day);
  const result = computeEpochRewards(world.input());
  return {
    reward: rewardOf(result, [attackBuilder, attackOperator]),
    cost: { fees: feeCost(world, [colluder], true), bond: 0n, stakeTime: 0n },
  };
}

/**
 * k members of a community the attacker stewards, recognized (bond posted) and admitting the
 * attacker's free model, use it every day and were active in every counted earlier epoch; the
 * attacker also stakes its dataset. Documented bound: the colluders' model earns at most
 * budget × k·cap / (k·cap + M_honest), cap = one identity's budget, M_honest = the honest member score.
 */
function memberCollusion(k: number): ScenarioOutcome {
  const honest = computeEpochRewards(honestBaseline().input());
  const honestMemberScore = honest.models.reduce((s, m) => s + m.memberScore, 0n);
  const world = honestBaseline();
  const colluders = Array.from({ length: k }, (_, i) => alt(i));
  world.community(60n, true, colluders);
  world.model({
    modelId: 70n,
    builder: attackBuilder,
    communityId: 60n,
    admitted: true,
    pricePerCall: 0n,
    datasetIds: [70n],
    operators: [attackOperator],
  });
  world.stake(70n, attackBuilder, 100n * TOKEN);
  for (const c of colluders) {
    for (let day = 0; day < 7; day++) world.calls(70n, wallet(c), c, day);
    world.aged(70n, wallet(c), 5);
  }
  const result = computeEpochRewards(world.input());
  const colludingScore = BigInt(k) * result.identityCap;
  return {
    reward: rewardOf(result, [attackBuilder, attackOperator, ...colluders]),
    cost: { fees: 0n, bond: COMMUNITY_BOND, stakeTime: stakeCost(100n * TOKEN, EPOCH_LENGTH) },
    bound: (BUDGET * colludingScore) / (colludingScore + honestMemberScore),
  };
}

const attackContributor = address(ATTACKER, 20);
const CONTRIBUTOR_GROUPS = {
  flood: "contributor: flooding trivial entries",
  miscite: "contributor: model citing unused entries",
  ownUse: "contributor: using own entries",
  split: "contributor: splitting one entry",
};

/** The attacker's `n` trivial entries, accepted into the local dataset's version and credited to it. */
function floodEntries(world: World, n: number): string[] {
  const ids = Array.from({ length: n }, (_, i) => `trivial-${i}`);
  for (const entryId of ids) {
    world.datasetEntries.push({
      datasetId: LOCAL_DATASET,
      version: 1n,
      contentHash: world.datasetEntries[0]!.contentHash,
      entryId,
      contributor: attackContributor,
    });
  }
  return ids;
}

/**
 * A contributor gets `n` trivial entries accepted. Answers cite the entries they were built from,
 * so nobody's answer cites them unless someone asks for them: with `askers`, that many fresh wallets
 * the attacker pays for ask for one trivial entry each, every day. Income follows usage, not entry count.
 */
function contributorFlood(n: number, askers: number): ScenarioOutcome {
  const base = computeEpochRewards(contributorBaseline().input());
  const world = contributorBaseline();
  const ids = floodEntries(world, n);
  const wallets = Array.from({ length: askers }, (_, i) => alt(i));
  wallets.forEach((w, i) => {
    for (let day = 0; day < 7; day++) world.calls(LOCAL_MODEL, wallet(w), w, day, 1, [cite(ids[i % n]!)]);
  });
  const who = [attackContributor, ...wallets];
  const result = computeEpochRewards(world.input());
  return {
    reward: rewardOf(result, who) - rewardOf(base, who),
    cost: { fees: feeCost(world, wallets, false), bond: 0n, stakeTime: 0n },
  };
}

/**
 * The local builder makes its model cite an accomplice's entry on every answer besides the entry it
 * used. It can only move its own model's contributor part (documented bound); citing an entry of a
 * dataset the model does not link moves nothing.
 */
function miscite(linked: boolean): ScenarioOutcome {
  const base = computeEpochRewards(contributorBaseline().input());
  const world = contributorBaseline();
  const accompliceHash = linked ? world.datasetEntries[0]!.contentHash : cite("x", `0x${"ee".repeat(32)}`).contentHash;
  world.datasetEntries.push({
    datasetId: linked ? LOCAL_DATASET : 77n,
    version: 1n,
    contentHash: accompliceHash,
    entryId: "accomplice",
    contributor: attackContributor,
  });
  for (const r of world.receipts) {
    if (r.modelId === LOCAL_MODEL) attribute(r, [...r.attribution!, cite("accomplice", accompliceHash)]);
  }
  const who = [localBuilder, localOperator, attackContributor];
  const result = computeEpochRewards(world.input());
  return {
    reward: rewardOf(result, who) - rewardOf(base, who),
    cost: { fees: 0n, bond: 0n, stakeTime: 0n },
    bound: linked ? result.models.find((m) => m.modelId === LOCAL_MODEL)!.contributorPart : 0n,
  };
}

/**
 * A contributor makes the model cite its own entry: as a returning member (its own use counts zero
 * for its entry), or through `wallets` fresh wallets it pays for (non-member usage, held to its fees).
 */
function ownEntryUse(wallets: number): ScenarioOutcome {
  const world = contributorBaseline();
  const self = member(0); // a member who wrote entry-0
  world.datasetEntries[0] = { ...world.datasetEntries[0]!, contributor: self };
  const baseWorld = contributorBaseline();
  baseWorld.datasetEntries[0] = { ...baseWorld.datasetEntries[0]!, contributor: self };
  const before = computeEpochRewards(baseWorld.input());
  const alts = Array.from({ length: wallets }, (_, i) => alt(i));
  if (wallets === 0) {
    for (let day = 0; day < 7; day++) world.calls(LOCAL_MODEL, wallet(self), self, day, 5, [cite("entry-0")]);
  }
  for (const w of alts)
    for (let day = 0; day < 7; day++) world.calls(LOCAL_MODEL, wallet(w), w, day, 1, [cite("entry-0")]);
  const who = [self, ...alts];
  const result = computeEpochRewards(world.input());
  const payers = wallets === 0 ? [self] : alts;
  // The member's own baseline calls are paid in both worlds; only the added calls are the attack's cost.
  const baselineFees = feeCost(baseWorld, payers, false);
  return {
    reward: rewardOf(result, who) - rewardOf(before, who),
    cost: { fees: feeCost(world, payers, false) - baselineFees, bond: 0n, stakeTime: 0n },
  };
}

/** An honest contributor's entry (entry-0) is split into `k` entries; its askers now get one part each. */
function splitEntry(k: number, citeAll: boolean): ScenarioOutcome {
  const base = computeEpochRewards(contributorBaseline().input());
  const world = contributorBaseline();
  const parts = Array.from({ length: k }, (_, i) => `entry-0-part-${i}`);
  for (const entryId of parts) world.datasetEntries.push({ ...world.datasetEntries[0]!, entryId });
  let next = 0;
  for (const r of world.receipts) {
    if (r.attribution?.[0]?.entryId !== "entry-0") continue;
    attribute(r, citeAll ? parts.map((p) => cite(p)) : [cite(parts[next++ % k]!)]);
  }
  const who = [contributor(0)];
  const result = computeEpochRewards(world.input());
  return { reward: rewardOf(result, who) - rewardOf(base, who), cost: { fees: 0n, bond: 0n, stakeTime: 0n } };
}

export function scenarios(): Scenario[] {
  const list: Scenario[] = [];
  for (const mode of ["one call", "daily", "aged"] as const) {
    for (const k of [1, 10, 100, 1_000, 10_000]) {
      list.push({
        group: "pseudonym farm",
        name: `k=${k}, ${mode}, one API key`,
        heavy: k === 10_000 && mode !== "one call",
        run: () => pseudonymFarm(k, mode),
      });
    }
  }
  for (const k of [10, 100, 1_000]) {
    list.push({
      group: "fresh wallets",
      name: `k=${k}, daily, own fees`,
      heavy: k === 1_000,
      run: () => walletFarm(k),
    });
  }
  for (const k of [10, 1_000]) {
    list.push({
      group: "self-attested wallets",
      name: `k=${k} in an unrecognized community, daily, aged`,
      heavy: k === 1_000,
      run: () => walletFarm(k, { attest: true, aged: true }),
    });
  }
  for (const calls of [10, 1_000, 100_000]) {
    list.push({
      group: "wash",
      name: `${calls} calls, one wallet, one day`,
      heavy: calls === 100_000,
      run: () => wash(calls),
    });
  }
  list.push({ group: "builder alt addresses", name: "10 aged alts, 3 calls daily", run: builderAlts });
  for (const n of [1, 10, 100]) {
    list.push({
      group: "deployment spam",
      name: `+${n} deployments by the builder's alts`,
      run: () => deploymentSpam(n),
    });
  }
  for (const [label, seconds] of [
    ["1 min", 60n],
    ["1 h", 3_600n],
    ["1 day", 86_400n],
  ] as const) {
    list.push({ group: "JIT stake", name: `10× the honest stake, last ${label}`, run: () => jitStake(seconds) });
  }
  list.push({ group: "lone tiny stake", name: "1 wei alone on a used dataset", run: () => loneStake(1n) });
  list.push({ group: "lone tiny stake", name: "99 KHO (below the minimum) alone", run: () => loneStake(99n * TOKEN) });
  list.push({ group: "cross-model", name: "10 wallets × 100 models, daily", run: () => crossModel(10, 100) });
  list.push({ group: "cross-model", name: "1 member × 100 junk models, daily", run: () => memberOverJunk(100) });
  for (const k of [5, 20]) {
    list.push({
      group: "member collusion",
      name: `${k} members of a recognized community, daily, aged`,
      run: () => memberCollusion(k),
    });
  }
  for (const [n, askers] of [
    [1_000, 0],
    [100, 100],
    [1_000, 1_000],
  ] as const) {
    list.push({
      group: CONTRIBUTOR_GROUPS.flood,
      name: askers === 0 ? `${n} entries nobody asks for` : `${n} entries, ${askers} paid wallets asking daily`,
      heavy: askers === 1_000,
      run: () => contributorFlood(n, askers),
    });
  }
  list.push({
    group: CONTRIBUTOR_GROUPS.miscite,
    name: "builder cites an accomplice's entry on every answer",
    run: () => miscite(true),
  });
  list.push({
    group: CONTRIBUTOR_GROUPS.miscite,
    name: "cites an entry of a dataset it does not link",
    run: () => miscite(false),
  });
  list.push({
    group: CONTRIBUTOR_GROUPS.ownUse,
    name: "a member-contributor asks for its entry daily",
    run: () => ownEntryUse(0),
  });
  list.push({
    group: CONTRIBUTOR_GROUPS.ownUse,
    name: "100 paid fresh wallets ask for it daily",
    run: () => ownEntryUse(100),
  });
  for (const k of [10, 100]) {
    list.push({
      group: CONTRIBUTOR_GROUPS.split,
      name: `into ${k} parts, one cited per answer`,
      run: () => splitEntry(k, false),
    });
  }
  list.push({
    group: CONTRIBUTOR_GROUPS.split,
    name: "into 10 parts, all cited per answer",
    run: () => splitEntry(10, true),
  });
  return list;
}

export function runScenario(scenario: Scenario): ScenarioResult {
  const outcome = scenario.run();
  const net = outcome.reward - outcome.cost.fees - outcome.cost.bond - outcome.cost.stakeTime;
  const pass = outcome.bound !== undefined ? outcome.reward <= outcome.bound : net <= 0n;
  return { group: scenario.group, name: scenario.name, ...outcome, net, pass };
}

/** The thesis: the local model with its returning members against a generic model with m× their calls as paid one-off visitors. */
export type ThesisCell = { multiple: number; genericCalls: number; local: bigint; generic: bigint; pass: boolean };

export function thesisTable(multiples: readonly number[]): ThesisCell[] {
  return multiples.map((multiple) => {
    const visitors = 200 * multiple;
    const result = computeEpochRewards(honestBaseline({ genericVisitors: visitors }).input());
    const local = result.models.find((m) => m.modelId === LOCAL_MODEL)!.reward;
    const generic = result.models.find((m) => m.modelId === GENERIC_MODEL)!.reward;
    return { multiple, genericCalls: visitors, local, generic, pass: local > generic };
  });
}
