export { createRewardsPipeline } from "./rewards-pipeline";
export type {
  BudgetDerivation,
  ComputeEpochParameters,
  CreateRewardsPipelineParameters,
  EpochComputation,
  EpochInputsSummary,
  PreviousTreeSource,
  RewardsPipeline,
  RewardsPipelineErrorType,
} from "./rewards-pipeline";
export { DROP_REASONS, collectEpochReceipts, emptyDropCounts } from "./collect-epoch-receipts";
export type { BatchOutcome, DropCounts, DropReason, DropSample } from "./collect-epoch-receipts";
export { RewardsPipelineError } from "./errors";
export { createSignaturePool, isCanonicalSignature } from "./signature-pool";
export type { SignaturePool } from "./signature-pool";
export { EPOCH_OUTPUT_FILES, renderEpochOutput, writeEpochOutput } from "./write-epoch-output";
export { verifyEpoch } from "./verify-epoch";
export type { VerifyEpochParameters, VerifyEpochReturnType } from "./verify-epoch";
