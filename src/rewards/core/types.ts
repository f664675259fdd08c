import type { Address, Hex } from "viem";
import type { AttributedEntry } from "../../protocol/attribution";
import type { InferenceReceipt, UserKind } from "../../protocol/receipt";
import type { EpochUsage } from "./epoch-usage";
import type { RewardParams, RewardParamsInput } from "./params";

export type { AttributedEntry, InferenceReceipt, RewardParams, RewardParamsInput };

/**
 * A receipt as the calculator reads it: the signed fields, plus the dataset entries its answer
 * cited, as listed in the batch file (the receipt's attributionHash commits to them). No list: the
 * backend reported nothing and the call credits no entry.
 */
export type RewardReceipt = InferenceReceipt & { attribution?: readonly AttributedEntry[] };

/**
 * One entry of a published dataset version, read from the version's file (its contribution
 * manifest), which the version's on-chain content hash commits to. `contributor` null: the entry is
 * credited to nobody (the dataset's original content).
 */
export type DatasetEntryCredit = {
  datasetId: bigint;
  version: bigint;
  contentHash: Hex;
  entryId: string;
  contributor: Address | null;
};

/** A deployment of a model. List every deployment that served the epoch, deactivated ones too. */
export type RegistryDeployment = { deploymentId: bigint; operator: Address };

/** A model as registered at epoch end. */
export type RegistryModel = {
  modelId: bigint;
  builder: Address;
  /** The model's home community at epoch end: membership is checked against this community. */
  communityId: bigint;
  /** A steward of the home community admitted the model (ModelAdmitted, not withdrawn) at epoch end. */
  admitted: boolean;
  /** Price per call at epoch end (ModelPriceSet), token units; 0 = free: non-member usage then earns nothing. */
  pricePerCall: bigint;
  /** Datasets the model declares it was built from (duplicates are ignored). */
  datasetIds: readonly bigint[];
  deployments: readonly RegistryDeployment[];
};

/** A community at epoch end: its attested members count as members only while it is recognized. */
export type CommunityState = { recognized: boolean; members: Iterable<Address> };

/** From `timestamp` on, the staker's active stake on the dataset is `amount`. */
export type StakeCheckpoint = { timestamp: bigint; amount: bigint };

/** One staker's stake on one dataset during the epoch. */
export type StakeHistory = {
  datasetId: bigint;
  staker: Address;
  /** Active stake at epochStart (the last amount set before the epoch began). */
  amountAtStart: bigint;
  /** Changes inside [epochStart, epochEnd), strictly increasing timestamps (any input order). */
  checkpoints: readonly StakeCheckpoint[];
};

/**
 * How many of the previous `params.retentionMaxEpochs` epochs a (model, user) pair had at least
 * one receipt in. Counts above retentionMaxEpochs are clamped; duplicate pairs keep the largest.
 */
export type RetentionRecord = { modelId: bigint; userId: Hex; userKind: UserKind; epochsActive: number };

/** One (model, identity) pair active in an epoch, named by the user id and kind of its first receipt. */
export type EpochActivityPair = { modelId: bigint; identityKey: string; userId: Hex; userKind: UserKind };

export type EpochRewardsInput = {
  epoch: bigint;
  /** Unix seconds, inclusive. */
  epochStart: bigint;
  /** Unix seconds, exclusive (= next epoch's start). */
  epochEnd: bigint;
  /**
   * Valid, signature-checked, deduplicated receipts of this epoch (with `fee` and `payer`), streamed
   * once, or counted already as they arrived (EpochUsage made for this input's epoch and registry).
   */
  receipts: Iterable<RewardReceipt> | EpochUsage;
  /** Every model that has receipts in the epoch (more is fine). */
  registry: Iterable<RegistryModel>;
  /** Community id → recognition and attested members at epoch end. Missing = unrecognized, no members. */
  communities: ReadonlyMap<bigint, CommunityState>;
  stakes: Iterable<StakeHistory>;
  history: Iterable<RetentionRecord>;
  /** Entries of every dataset version the receipts cite (more is fine); without it no entry is credited. */
  datasetEntries?: Iterable<DatasetEntryCredit>;
  /** FeeEscrow.protocolFeeBps() at epoch end: the part of every fee that funds the reward treasury. */
  protocolFeeBps: number;
  params: RewardParamsInput;
  /** Token units (wei) to distribute for this epoch. */
  budget: bigint;
};

export type RewardRole = "builder" | "operator" | "staker" | "contributor";

export type BuilderExplanation = {
  modelId: bigint;
  amount: bigint;
  memberScore: bigint;
  nonMemberScore: bigint;
  calls: number;
  distinctUsers: number;
  returningUsers: number;
};

export type OperatorExplanation = {
  modelId: bigint;
  deploymentId: bigint;
  amount: bigint;
  /** Σ over users of (user's weight on the model × share of the user's calls this deployment served). */
  servedScore: bigint;
  callsServed: number;
  usersServed: number;
};

export type StakerExplanation = {
  datasetId: bigint;
  amount: bigint;
  /** Σ effective stake × seconds inside the epoch (stake below minEffectiveStake counts zero). */
  stakeTime: bigint;
  stakeAtStart: bigint;
  stakeAtEnd: bigint;
};

export type ContributorExplanation = {
  modelId: bigint;
  datasetId: bigint;
  entryId: string;
  amount: bigint;
  /** Σ over the model's users of (user's weight × share of the user's calls whose answer cited the entry). */
  usageScore: bigint;
  /** Users whose answers cited the entry (the contributor's own use excluded). */
  users: number;
};

export type AccountReward = {
  /** Checksummed address. */
  account: Address;
  amount: bigint;
  byRole: Record<RewardRole, bigint>;
  builder: BuilderExplanation[];
  operator: OperatorExplanation[];
  staker: StakerExplanation[];
  contributor: ContributorExplanation[];
};

export type DeploymentStats = {
  deploymentId: bigint;
  operator: Address;
  calls: number;
  users: number;
  servedScore: bigint;
  operatorPayout: bigint;
};

export type ModelStats = {
  modelId: bigint;
  builder: Address;
  communityId: bigint;
  /** Members count as members only when the model is admitted and its community recognized. */
  admitted: boolean;
  communityRecognized: boolean;
  pricePerCall: bigint;
  datasetIds: bigint[];
  /** Registered deployments (serving or not): reported only, never weighted. */
  deployments: number;
  calls: number;
  distinctUsers: number;
  /** Active on ≥ 2 days of this epoch, or in at least one previous epoch counted by `history`. */
  returningUsers: number;
  memberUsers: number;
  nonMemberUsers: number;
  /** Distinct payers of the non-member usage: the clusters it is counted in. */
  nonMemberPayers: number;
  selfUsers: number;
  selfCalls: number;
  /** M_m: Σ members' identity allocations on this model, SCORE_SCALE fixed point. */
  memberScore: bigint;
  /** N_m: the clustered, weighted non-member score (0 for a free model). */
  nonMemberScore: bigint;
  /** Fees paid by the non-member calls, and the protocol's part of them. */
  nonMemberFees: bigint;
  nonMemberProtocolFees: bigint;
  /** paidRewardCapBps of nonMemberProtocolFees: the most non-member usage may earn. */
  nonMemberRewardCap: bigint;
  /** Whether that cap bound this epoch. */
  nonMemberCapped: boolean;
  /** R_m: the model's reward (member part + non-member part), split among its roles. */
  reward: bigint;
  memberReward: bigint;
  nonMemberReward: bigint;
  builderPayout: bigint;
  operatorPayout: bigint;
  /** Staker part of R_m assigned to its datasets (before stake-time coverage). */
  stakerShare: bigint;
  /**
   * C_m: contributorShareBps of R_m × the share of the model's counted usage whose answers cited
   * credited entries, taken before the role split and paid to those entries' contributors.
   */
  contributorPart: bigint;
  deploymentStats: DeploymentStats[];
};

export type DatasetStats = {
  datasetId: bigint;
  linkedModels: bigint[];
  /** Staker amount assigned by the usage of linked models. */
  share: bigint;
  /** Part of `share` paid to stakers (share × coveredSeconds / epoch length, floored). */
  paidToStakers: bigint;
  /** share − paidToStakers: carried forward (no effective stake, or it did not cover the whole epoch). */
  unpaid: bigint;
  stakeTime: bigint;
  coveredSeconds: bigint;
  stakers: number;
};

export type EntryStats = {
  datasetId: bigint;
  entryId: string;
  /** Checksummed address. */
  contributor: Address;
  /** Models whose answers cited it, ascending. */
  modelIds: bigint[];
  usageScore: bigint;
  amount: bigint;
};

export type CarryReason =
  | "noEligibleUsage"
  | "nonMemberFeeBound"
  | "modelsWithoutDatasets"
  | "unstakedDatasets"
  | "uncoveredStakeTime"
  | "rounding";

/** What nobody earned, by reason: it is not paid to anyone and carries into the next epoch's budget. */
export type CarryBreakdown = Record<CarryReason, bigint> & { total: bigint };

export type EpochRewardsTotals = {
  receipts: number;
  /** Receipts whose user was not the model's builder, operator or paid by them. */
  eligibleReceipts: number;
  /** Distinct (model, user) pairs. */
  modelUsers: number;
  /** Distinct user identities across all models. */
  distinctUsers: number;
  /** Σ member scores + Σ non-member scores. */
  score: bigint;
  paid: bigint;
};

export type EpochRewardsResult = {
  epoch: bigint;
  epochStart: bigint;
  epochEnd: bigint;
  budget: bigint;
  protocolFeeBps: number;
  params: RewardParams;
  /** The most one identity can count across all models this epoch (SCORE_SCALE): every day of the epoch + H earlier epochs. */
  identityCap: bigint;
  /** Σ over models of the role shares they assigned (staker part before coverage). */
  pools: { builders: bigint; operators: bigint; stakers: bigint; contributors: bigint };
  /** Sorted by lower-case address; amounts merged across roles. */
  accounts: AccountReward[];
  /** Sorted by model id; only models with receipts. */
  models: ModelStats[];
  /** Sorted by dataset id; every dataset linked by a model with receipts or holding stake. */
  datasets: DatasetStats[];
  /** Contributor income by entry, sorted by dataset id, entry id, contributor; only entries paid or scored. */
  entries: EntryStats[];
  totals: EpochRewardsTotals;
  carry: CarryBreakdown;
  /** budget − paid = carry.total: add it to the next epoch's budget. */
  unallocated: bigint;
};
