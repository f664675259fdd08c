import fc from "fast-check";
import { type Address, type Hex, getAddress } from "viem";
import { type InferenceReceipt, UserKind, addressUserId } from "../../../protocol/receipt";
import type { CommunityState, EpochRewardsInput, RegistryModel, RetentionRecord, StakeHistory } from "../types";

export const DAY = 86_400n;
export const EPOCH = 7n;
export const EPOCH_START = 1_700_000_000n;
export const EPOCH_LENGTH = 7n * DAY;
export const EPOCH_END = EPOCH_START + EPOCH_LENGTH;
/** The API-key owner that pays for pseudonyms unless a call names its own payer. */
export const KEY_OWNER = getAddress("0x00000000000000000000000000000000000c0ffe");

/** Deterministic, distinct addresses: n = 1 → 0x…0001 (checksummed). */
export function addr(n: number): Address {
  return getAddress(`0x${n.toString(16).padStart(40, "0")}`);
}

export function salted(n: number): Hex {
  return `0x${"5a".repeat(16)}${n.toString(16).padStart(32, "0")}`;
}

let counter = 0;

export type CallSpec = {
  model: bigint;
  deployment: bigint;
  /** An address user (wallet kind) or a salted pseudonym. */
  user: Address | { salted: number };
  day?: number;
  /** Seconds into the day. */
  second?: number;
  kind?: 1 | 2;
  /** Default 0. */
  fee?: bigint;
  /** Default: the user's own address, or KEY_OWNER for a pseudonym. */
  payer?: Address;
};

export function receipt(spec: CallSpec): InferenceReceipt {
  counter++;
  const isSalted = typeof spec.user !== "string";
  return {
    requestId: `0x${counter.toString(16).padStart(64, "0")}`,
    modelId: spec.model,
    deploymentId: spec.deployment,
    communityId: 1n,
    userId: typeof spec.user === "string" ? addressUserId(spec.user) : salted(spec.user.salted),
    userKind: isSalted ? UserKind.SaltedHash : (spec.kind ?? UserKind.Wallet),
    inputHash: `0x${"11".repeat(32)}`,
    outputHash: `0x${"22".repeat(32)}`,
    timestamp: EPOCH_START + BigInt(spec.day ?? 0) * DAY + BigInt(spec.second ?? 0),
    epoch: EPOCH,
    fee: spec.fee ?? 0n,
    payer: spec.payer ?? (typeof spec.user === "string" ? spec.user : KEY_OWNER),
    userAuth: `0x${"00".repeat(32)}`,
    attributionHash: `0x${"00".repeat(32)}`,
  };
}

/** `count` identical calls. */
export function calls(count: number, spec: CallSpec): InferenceReceipt[] {
  return Array.from({ length: count }, (_, i) => receipt({ ...spec, second: (spec.second ?? 0) + i }));
}

export function model(
  modelId: bigint,
  builder: Address,
  deployments: [bigint, Address][],
  datasetIds: bigint[] = [],
  communityId = 1n,
  options: { admitted?: boolean; pricePerCall?: bigint } = {},
): RegistryModel {
  return {
    modelId,
    builder,
    communityId,
    admitted: options.admitted ?? true,
    pricePerCall: options.pricePerCall ?? 0n,
    datasetIds,
    deployments: deployments.map(([deploymentId, operator]) => ({ deploymentId, operator })),
  };
}

export function input(overrides: Partial<EpochRewardsInput> = {}): EpochRewardsInput {
  return {
    epoch: EPOCH,
    epochStart: EPOCH_START,
    epochEnd: EPOCH_END,
    receipts: [],
    registry: [],
    communities: new Map(),
    stakes: [],
    history: [],
    protocolFeeBps: 1_000,
    params: {},
    budget: 1_000_000_000_000_000_000n,
    ...overrides,
  };
}

/** Recognized communities with these members. */
export function recognized(entries: [bigint, Address[]][]): Map<bigint, CommunityState> {
  return new Map(entries.map(([id, members]) => [id, { recognized: true, members }]));
}

/** A fully-staked history: `amount` for the whole epoch. */
export function fullStake(datasetId: bigint, staker: Address, amount: bigint): StakeHistory {
  return { datasetId, staker, amountAtStart: amount, checkpoints: [] };
}

// ---------- random epochs for property tests ----------

/** Address pool: 1..12 users, builders and operators overlap on purpose so self-usage occurs. */
const poolAddress = fc.integer({ min: 1, max: 12 }).map(addr);

const arbModel = (modelId: bigint) =>
  fc
    .record({
      builder: poolAddress,
      communityId: fc.constantFrom(1n, 2n),
      admitted: fc.boolean(),
      pricePerCall: fc.constantFrom(0n, 1n, 10n ** 16n),
      datasetIds: fc.uniqueArray(fc.constantFrom(1n, 2n, 3n), { maxLength: 3 }),
      operators: fc.array(poolAddress, { minLength: 1, maxLength: 3 }),
    })
    .map((m): RegistryModel => ({
      modelId,
      builder: m.builder,
      communityId: m.communityId,
      admitted: m.admitted,
      pricePerCall: m.pricePerCall,
      datasetIds: m.datasetIds,
      deployments: m.operators.map((operator, i) => ({ deploymentId: modelId * 10n + BigInt(i + 1), operator })),
    }));

const arbUser = fc.oneof(
  fc.record({ address: poolAddress, kind: fc.constantFrom<1 | 2>(1, 2) }),
  fc.record({ salted: fc.integer({ min: 1, max: 5 }) }),
);

const arbStake = fc.record({
  datasetId: fc.constantFrom(1n, 2n, 3n, 4n),
  staker: poolAddress,
  amountAtStart: fc.bigInt({ min: 0n, max: 10n ** 21n }),
  checkpoints: fc.uniqueArray(
    fc.record({
      timestamp: fc.bigInt({ min: EPOCH_START, max: EPOCH_END - 1n }),
      amount: fc.bigInt({ min: 0n, max: 10n ** 21n }),
    }),
    { maxLength: 3, selector: (c) => c.timestamp },
  ),
});

/** Random but valid epoch inputs, receipts as an array so tests can shuffle them. */
export const arbEpochInput = fc
  .integer({ min: 1, max: 4 })
  .chain((modelCount) =>
    fc.tuple(...Array.from({ length: modelCount }, (_, i) => arbModel(BigInt(i + 1)))).chain((registry) =>
      fc.record({
        registry: fc.constant(registry),
        receipts: fc.array(
          fc.record({
            modelIndex: fc.nat({ max: registry.length - 1 }),
            deploymentIndex: fc.nat({ max: 2 }),
            user: arbUser,
            second: fc.bigInt({ min: 0n, max: EPOCH_LENGTH - 1n }),
            fee: fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 10n ** 18n })),
            /** 0: the user's own address (KEY_OWNER for a pseudonym); otherwise a pool address. */
            payer: fc.nat({ max: 12 }),
          }),
          { maxLength: 60 },
        ),
        communities: fc.record({
          c1: fc.uniqueArray(poolAddress, { maxLength: 8 }),
          c2: fc.uniqueArray(poolAddress, { maxLength: 8 }),
          r1: fc.boolean(),
          r2: fc.boolean(),
        }),
        protocolFeeBps: fc.nat({ max: 10_000 }),
        stakes: fc.uniqueArray(arbStake, { maxLength: 6, selector: (s) => `${s.datasetId}|${s.staker}` }),
        history: fc.array(
          fc.record({
            modelIndex: fc.nat({ max: registry.length - 1 }),
            user: arbUser,
            epochsActive: fc.nat({ max: 8 }),
          }),
          { maxLength: 6 },
        ),
        budget: fc.oneof(fc.bigInt({ min: 0n, max: 1000n }), fc.bigInt({ min: 0n, max: 10n ** 24n })),
        params: fc.record({
          builderShareBps: fc.nat({ max: 10_000 }),
          operatorFraction: fc.nat({ max: 10_000 }),
          nonMemberWeightBps: fc.nat({ max: 10_000 }),
          oneOffBps: fc.nat({ max: 10_000 }),
          retentionEpochBps: fc.nat({ max: 10_000 }),
          retentionMaxEpochs: fc.nat({ max: 6 }),
          paidRewardCapBps: fc.nat({ max: 9_999 }),
          minEffectiveStake: fc.constantFrom(0n, 1n, 10n ** 18n, 10n ** 20n),
          dayLengthSeconds: fc.constantFrom(3_600, 86_400),
        }),
      }),
    ),
  )
  .map((r): EpochRewardsInput => {
    const userFields = (u: { address: Address; kind: 1 | 2 } | { salted: number }) =>
      "salted" in u
        ? { userId: salted(u.salted), userKind: UserKind.SaltedHash }
        : { userId: addressUserId(u.address), userKind: u.kind };
    const receipts: InferenceReceipt[] = r.receipts.map((c, i) => {
      const m = r.registry[c.modelIndex]!;
      const d = m.deployments[c.deploymentIndex % m.deployments.length]!;
      return {
        requestId: `0x${(i + 1).toString(16).padStart(64, "0")}`,
        modelId: m.modelId,
        deploymentId: d.deploymentId,
        communityId: m.communityId,
        ...userFields(c.user),
        inputHash: `0x${"11".repeat(32)}`,
        outputHash: `0x${"22".repeat(32)}`,
        timestamp: EPOCH_START + c.second,
        epoch: EPOCH,
        fee: c.fee,
        payer: c.payer === 0 ? ("salted" in c.user ? KEY_OWNER : c.user.address) : addr(c.payer),
        userAuth: `0x${"00".repeat(32)}`,
        attributionHash: `0x${"00".repeat(32)}`,
      };
    });
    const history: RetentionRecord[] = r.history.map((h) => ({
      modelId: r.registry[h.modelIndex]!.modelId,
      ...userFields(h.user),
      epochsActive: h.epochsActive,
    }));
    const p = r.params;
    const operatorShareBps = Math.floor(((10_000 - p.builderShareBps) * p.operatorFraction) / 10_000);
    return input({
      registry: r.registry,
      receipts,
      communities: new Map([
        [1n, { recognized: r.communities.r1, members: r.communities.c1 }],
        [2n, { recognized: r.communities.r2, members: r.communities.c2 }],
      ]),
      stakes: r.stakes,
      history,
      protocolFeeBps: r.protocolFeeBps,
      budget: r.budget,
      params: {
        builderShareBps: p.builderShareBps,
        operatorShareBps,
        stakerShareBps: 10_000 - p.builderShareBps - operatorShareBps,
        nonMemberWeightBps: p.nonMemberWeightBps,
        oneOffBps: p.oneOffBps,
        retentionEpochBps: p.retentionEpochBps,
        retentionMaxEpochs: p.retentionMaxEpochs,
        paidRewardCapBps: p.paidRewardCapBps,
        minEffectiveStake: p.minEffectiveStake,
        dayLengthSeconds: p.dayLengthSeconds,
      },
    });
  });

/** Arrays of an input (the fixtures always build arrays) for tests that rearrange them. */
export function arrays(i: EpochRewardsInput) {
  return {
    receipts: i.receipts as InferenceReceipt[],
    registry: i.registry as RegistryModel[],
    stakes: i.stakes as StakeHistory[],
    history: i.history as RetentionRecord[],
  };
}
