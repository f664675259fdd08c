import { KhoError } from "../../protocol/errors";
/** The epoch pipeline could not gather or check its public inputs; the message is one sentence. */
export class RewardsPipelineError extends KhoError {
  override name = "RewardsPipelineError";
  readonly code = "rewards_pipeline_failed";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
