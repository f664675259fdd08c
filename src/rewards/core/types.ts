import type { Address, Hex } from "viem";
import type { InferenceReceipt, UserKind } from "../../protocol/receipt";
import type { RewardParams, RewardParamsInput } from "./params";

export type { InferenceReceipt, RewardParams, RewardParamsInput };

/** A deployment of a model. List every deployment that served the epoch, deactivated ones too. */
export type RegistryDeployment = { deploymentId: bigint; operator: Address };

/** A model as registered at epoch end. */
export type RegistryModel = {
  modelId: bigint;
  builder: Address;
  /** The model's home community at epoch end: membership is checked against this community. */
  communityId: bigint;
  /** Datasets the model declares it was built from (duplicates are ignored). */
  datasetIds: readonly bigint[];
  deployments: readonly RegistryDeployment[];
};

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

export type EpochRewardsInput = {
  epoch: bigint;
  /** Unix seconds, inclusive. */
  epochStart: bigint;
  /** Unix seconds, exclusive (= next epoch's start). */
  epochEnd: bigint;
  /** Valid, signature-checked, deduplicated receipts of this epoch. Streamed once, never stored. */
  receipts: Iterable<InferenceReceipt>;
  /** Every model that has receipts in the epoch (more is fine). */
  registry: Iterable<RegistryModel>;
  /** Community id → attested member addresses at epoch end. */
  members: ReadonlyMap<bigint, Iterable<Address>>;
  stakes: Iterable<StakeHistory>;
  history: Iterable<RetentionRecord>;
  params: RewardParamsInput;
  /** Token units (wei) to distribute for this epoch. */
  budget: bigint;
};

export type RewardRole = "builder" | "operator" | "staker" | "dust";

export type BuilderExplanation = {
  modelId: bigint;
  amount: bigint;
  score: bigint;
  calls: number;
  distinctUsers: number;
  returningUsers: number;
};

export type OperatorExplanation = {
  modelId: bigint;
  deploymentId: bigint;
  amount: bigint;
  /** Σ over users of (user's weighted score × share of the user's calls this deployment served). */
  servedScore: bigint;
  callsServed: number;
  usersServed: number;
};

export type StakerExplanation = {
  datasetId: bigint;
  amount: bigint;
  /** Σ stake × seconds inside the epoch. */
  stakeTime: bigint;
  stakeAtStart: bigint;
  stakeAtEnd: bigint;
};

export type DustReason = "rounding" | "modelsWithoutDatasets" | "unstakedDatasets" | "uncoveredStakeTime";

export type DustExplanation = { reason: DustReason; amount: bigint };

export type AccountReward = {
  /** Checksummed address. */
  account: Address;
  amount: bigint;
  byRole: Record<RewardRole, bigint>;
  builder: BuilderExplanation[];
  operator: OperatorExplanation[];
  staker: StakerExplanation[];
  dust: DustExplanation[];
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
  datasetIds: bigint[];
  /** Registered deployments (serving or not): reported only, never weighted. */
  deployments: number;
  calls: number;
  distinctUsers: number;
  /** Active on ≥ 2 days of this epoch, or in at least one previous epoch counted by `history`. */
  returningUsers: number;
  memberUsers: number;
  nonMemberUsers: number;
  selfUsers: number;
  selfCalls: number;
  /** U_m: Σ users' weighted scores, SCORE_SCALE fixed point. */
  score: bigint;
  builderPayout: bigint;
  operatorPayout: bigint;
  /** Staker-pool amount this model's usage assigns to its datasets (before stake-time coverage). */
  stakerShare: bigint;
  deploymentStats: DeploymentStats[];
};

export type DatasetStats = {
  datasetId: bigint;
  linkedModels: bigint[];
  /** Σ over linked models of U_m / (number of datasets the model links). */
  usageWeight: bigint;
  /** Staker-pool amount assigned by usage. */
  share: bigint;
  /** Part of `share` paid to stakers (share × coveredSeconds / epoch length, floored). */
  paidToStakers: bigint;
  /** share − paidToStakers: sent to the dust recipient (no stake, or stake did not cover the whole epoch). */
  unpaid: bigint;
  stakeTime: bigint;
  coveredSeconds: bigint;
  stakers: number;
};

export type DustBreakdown = Record<DustReason, bigint> & { total: bigint };

export type EpochRewardsTotals = {
  receipts: number;
  /** Receipts whose user had a non-zero weight (not self-usage). */
  eligibleReceipts: number;
  /** Distinct (model, user) pairs. */
  modelUsers: number;
  /** Distinct user identities across all models. */
  distinctUsers: number;
  score: bigint;
  paid: bigint;
};

export type EpochRewardsResult = {
  epoch: bigint;
  epochStart: bigint;
  epochEnd: bigint;
  budget: bigint;
  params: RewardParams;
  pools: { builders: bigint; operators: bigint; stakers: bigint };
  /** Sorted by lower-case address; amounts merged across roles. */
  accounts: AccountReward[];
  /** Sorted by model id; only models with receipts. */
  models: ModelStats[];
  /** Sorted by dataset id; every dataset linked by a model with receipts or holding stake. */
  datasets: DatasetStats[];
  totals: EpochRewardsTotals;
  /** Everything paid to params.dustRecipient that no other role earned; included in `accounts`. */
  dust: DustBreakdown;
  /** Not paid this epoch (the whole budget when there was no eligible usage); carry it forward. */
  unallocated: bigint;
};
