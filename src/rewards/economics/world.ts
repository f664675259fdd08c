import { type Address, type Hex, getAddress, keccak256, toHex } from "viem";
import { attributionHash } from "../../protocol/attribution";
import { UserKind, ZERO_BYTES32, addressUserId } from "../../protocol/receipt";
import type {
  AttributedEntry,
  CommunityState,
  DatasetEntryCredit,
  EpochRewardsInput,
  RegistryModel,
  RetentionRecord,
  RewardParamsInput,
  RewardReceipt,
  StakeHistory,
} from "../core";

/** The simulated epoch: a week of one-day steps, as on a real deployment. */
export const DAY = 86_400n;
export const EPOCH = 10n;
export const EPOCH_START = 1_800_000_000n;
export const EPOCH_LENGTH = 7n * DAY;
export const EPOCH_END = EPOCH_START + EPOCH_LENGTH;
export const TOKEN = 10n ** 18n;
/** 10 000 KHO per epoch, 0.01 KHO per call, 10% of every fee to the protocol. */
export const BUDGET = 10_000n * TOKEN;
export const PRICE = TOKEN / 100n;
export const PROTOCOL_FEE_BPS = 1_000;
/** What locking stake costs the staker: 10% a year of the amount, pro rata by the second. */
export const STAKE_COST_BPS_PER_YEAR = 1_000n;
export const YEAR = 31_536_000n;

/** Deterministic, distinct addresses in named ranges so scenarios never collide. */
export function address(space: number, n: number): Address {
  return getAddress(`0x${space.toString(16).padStart(8, "0")}${n.toString(16).padStart(32, "0")}`);
}

export function pseudonym(payer: Address, n: number): Hex {
  return keccak256(toHex(`${payer}/${n}`));
}

export type User = { kind: "address"; address: Address } | { kind: "pseudonym"; id: Hex };

/**
 * A mutable epoch under construction. Scenarios add models, communities, calls, history and stakes;
 * `input()` hands the whole thing to the real calculator.
 */
export class World {
  readonly models = new Map<bigint, RegistryModel>();
  readonly communities = new Map<bigint, { recognized: boolean; members: Address[] }>();
  readonly receipts: RewardReceipt[] = [];
  /** Entries of the published dataset versions (their contribution manifests). */
  readonly datasetEntries: DatasetEntryCredit[] = [];
  readonly history: RetentionRecord[] = [];
  readonly stakes: StakeHistory[] = [];
  params: RewardParamsInput = {};
  #requests = 0;

  community(communityId: bigint, recognized: boolean, members: readonly Address[] = []): void {
    const existing = this.communities.get(communityId);
    if (existing) existing.members.push(...members);
    else this.communities.set(communityId, { recognized, members: [...members] });
  }

  model(m: {
    modelId: bigint;
    builder: Address;
    communityId: bigint;
    admitted: boolean;
    pricePerCall?: bigint;
    datasetIds?: bigint[];
    operators: readonly Address[];
  }): RegistryModel {
    const model: RegistryModel = {
      modelId: m.modelId,
      builder: m.builder,
      communityId: m.communityId,
      admitted: m.admitted,
      pricePerCall: m.pricePerCall ?? PRICE,
      datasetIds: m.datasetIds ?? [],
      deployments: m.operators.map((operator, i) => ({ deploymentId: m.modelId * 1_000n + BigInt(i + 1), operator })),
    };
    this.models.set(m.modelId, model);
    return model;
  }

  /**
   * `count` calls by `user` on `day`, paid by `payer` at the model's price, served round-robin by its
   * deployments, each answer citing `attribution` (none by default).
   */
  calls(modelId: bigint, user: User, payer: Address, day: number, count = 1, attribution?: AttributedEntry[]): void {
    const model = this.models.get(modelId)!;
    for (let i = 0; i < count; i++) {
      this.#requests++;
      const deployment = model.deployments[this.#requests % model.deployments.length]!;
      this.receipts.push({
        requestId: toHex(this.#requests, { size: 32 }),
        modelId,
        deploymentId: deployment.deploymentId,
        communityId: model.communityId,
        userId: user.kind === "address" ? addressUserId(user.address) : user.id,
        userKind: user.kind === "address" ? UserKind.Wallet : UserKind.SaltedHash,
        inputHash: toHex(1, { size: 32 }),
        outputHash: toHex(2, { size: 32 }),
        timestamp: EPOCH_START + BigInt(day) * DAY + BigInt(i % 86_000),
        epoch: EPOCH,
        fee: model.pricePerCall,
        payer,
        userAuth: toHex(0, { size: 32 }),
        attributionHash: ZERO_BYTES32,
      });
      if (attribution !== undefined) attribute(this.receipts.at(-1)!, attribution);
    }
  }

  /** The user was active on the model in `epochs` of the previous epochs. */
  aged(modelId: bigint, user: User, epochs: number): void {
    this.history.push({
      modelId,
      userId: user.kind === "address" ? addressUserId(user.address) : user.id,
      userKind: user.kind === "address" ? UserKind.Wallet : UserKind.SaltedHash,
      epochsActive: epochs,
    });
  }

  /** `amount` staked from `from` seconds into the epoch to its end. */
  stake(datasetId: bigint, staker: Address, amount: bigint, from = 0n): void {
    this.stakes.push(
      from === 0n
        ? { datasetId, staker, amountAtStart: amount, checkpoints: [] }
        : { datasetId, staker, amountAtStart: 0n, checkpoints: [{ timestamp: EPOCH_START + from, amount }] },
    );
  }

  input(): EpochRewardsInput {
    const communities = new Map<bigint, CommunityState>(
      [...this.communities].map(([id, c]) => [id, { recognized: c.recognized, members: c.members }]),
    );
    return {
      epoch: EPOCH,
      epochStart: EPOCH_START,
      epochEnd: EPOCH_END,
      receipts: this.receipts,
      registry: [...this.models.values()],
      communities,
      stakes: this.stakes,
      history: this.history,
      datasetEntries: this.datasetEntries,
      protocolFeeBps: PROTOCOL_FEE_BPS,
      params: this.params,
      budget: BUDGET,
    };
  }
}

export const wallet = (a: Address): User => ({ kind: "address", address: a });

/** Address spaces. */
export const HONEST = 1;
export const ATTACKER = 2;

export const LOCAL_MODEL = 1n;
export const GENERIC_MODEL = 2n;
export const LOCAL_COMMUNITY = 1n;
export const LOCAL_DATASET = 1n;
/** A second dataset the local model links that nobody has staked (the lone-tiny-stake target). */
export const UNSTAKED_DATASET = 2n;

export const localBuilder = address(HONEST, 1);
export const localOperator = address(HONEST, 2);
export const genericBuilder = address(HONEST, 3);
export const genericOperator = address(HONEST, 4);
export const honestStakers = [address(HONEST, 5), address(HONEST, 6)];
export const HONEST_STAKE = 1_000n * TOKEN;
export const member = (i: number) => address(HONEST, 100 + i);
export const visitor = (i: number) => address(HONEST, 1_000_000 + i);

export type BaselineOptions = {
  /** Returning members of the local model (20 in the honest baseline). */
  members?: number;
  /** Paid one-off visitors of the generic model (200 in the honest baseline: as many calls as the members make). */
  genericVisitors?: number;
};

/**
 * The honest baseline of issue 11: a local model whose 20 attested members of a recognized
 * community return 2 calls on 5 of 7 days and used it in 3 earlier epochs, staked by two
 * long-term stakers; and a generic model with as many paid calls from one-off visitors.
 */
export function honestBaseline(options: BaselineOptions = {}): World {
  const members = options.members ?? 20;
  const visitors = options.genericVisitors ?? members * 10;
  const world = new World();
  const memberAddresses = Array.from({ length: members }, (_, i) => member(i));
  world.community(LOCAL_COMMUNITY, true, memberAddresses);
  world.model({
    modelId: LOCAL_MODEL,
    builder: localBuilder,
    communityId: LOCAL_COMMUNITY,
    admitted: true,
    datasetIds: [LOCAL_DATASET, UNSTAKED_DATASET],
    operators: [localOperator],
  });
  world.model({
    modelId: GENERIC_MODEL,
    builder: genericBuilder,
    communityId: 99n,
    admitted: false,
    operators: [genericOperator],
  });
  memberAddresses.forEach((a, i) => {
    for (let day = 0; day < 7; day++) if ((day + i) % 7 < 5) world.calls(LOCAL_MODEL, wallet(a), a, day, 2);
    world.aged(LOCAL_MODEL, wallet(a), 3);
  });
  for (let v = 0; v < visitors; v++) world.calls(GENERIC_MODEL, wallet(visitor(v)), visitor(v), v % 7);
  for (const s of honestStakers) world.stake(LOCAL_DATASET, s, HONEST_STAKE);
  return world;
}

/** The local dataset's published version the contributor scenarios cite. */
export const LOCAL_DATASET_V1: Hex = keccak256(toHex("vi-VN/home-cooking v1"));
export const contributor = (i: number) => address(HONEST, 500 + i);
export const cite = (entryId: string, contentHash: Hex = LOCAL_DATASET_V1): AttributedEntry => ({
  contentHash,
  entryId,
});

/** Makes `receipt` cite `entries`, with the attributionHash a relayer signs for them. */
export function attribute(receipt: RewardReceipt, entries: readonly AttributedEntry[]): void {
  receipt.attribution = entries;
  receipt.attributionHash = attributionHash(entries);
}

/**
 * The honest baseline with a dataset that names its contributors: 5 entries of the local dataset,
 * each written by its own member-contributor, and every member's answers cite entry `i mod 5` (a
 * retrieval model cites the one entry it answered from).
 */
export function contributorBaseline(options: BaselineOptions = {}): World {
  const world = honestBaseline(options);
  for (let i = 0; i < 5; i++) {
    world.datasetEntries.push({
      datasetId: LOCAL_DATASET,
      version: 1n,
      contentHash: LOCAL_DATASET_V1,
      entryId: `entry-${i}`,
      contributor: contributor(i),
    });
  }
  const members = options.members ?? 20;
  const entryOf = new Map(Array.from({ length: members }, (_, i) => [addressUserId(member(i)), `entry-${i % 5}`]));
  for (const r of world.receipts) {
    if (r.modelId === LOCAL_MODEL) attribute(r, [cite(entryOf.get(r.userId)!)]);
  }
  return world;
}

/** Opportunity cost of locking `amount` for `seconds` at STAKE_COST_BPS_PER_YEAR. */
export function stakeCost(amount: bigint, seconds: bigint): bigint {
  return (amount * seconds * STAKE_COST_BPS_PER_YEAR) / (10_000n * YEAR);
}
