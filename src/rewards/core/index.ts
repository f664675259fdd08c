export { computeEpochRewards } from "./compute-epoch-rewards";
export type {
  ComputeEpochRewardsErrorType,
  ComputeEpochRewardsParameters,
  ComputeEpochRewardsReturnType,
} from "./compute-epoch-rewards";
export { EpochUsage } from "./epoch-usage";
export type { EpochUsageParameters } from "./epoch-usage";
export { RewardsInputError } from "./errors";
export type { RewardsInputErrorType } from "./errors";
export { SCORE_SCALE, isqrt } from "./fixed-point";
export { userIdentity } from "./identity";
export type { UserIdentity } from "./identity";
export { defaultRewardParams, resolveRewardParams, rewardParamsSchema } from "./params";
export { renderRewardsReport } from "./render-report";
export type { RenderRewardsReportOptions } from "./render-report";
export { serializeEpochRewards } from "./serialize-epoch-rewards";
export type * from "./types";
export { contributorIncome } from "./contributor-income";
export type { ContributorIncomeEntry } from "./contributor-income";
