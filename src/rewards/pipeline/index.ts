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
/** The batch file format is the protocol's; re-exported for the pipeline's callers. */
export { parseBatchFile } from "../../protocol/batch-file";
export type { BatchFile as ParsedBatchFile } from "../../protocol/batch-file";
export { fetchDataUri } from "./data-uri";
export { RewardsPipelineError } from "./errors";
export { createSignaturePool, isCanonicalSignature } from "./signature-pool";
export type { SignaturePool } from "./signature-pool";
export { EPOCH_OUTPUT_FILES, renderEpochOutput, writeEpochOutput } from "./write-epoch-output";
export { loadDistributorHistory } from "./distributor-history";
export type { DistributorHistory, PublishedRoot } from "./distributor-history";
export { verifyEpoch } from "./verify-epoch";
export type { VerifyEpochParameters, VerifyEpochReturnType } from "./verify-epoch";
