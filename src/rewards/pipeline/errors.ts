/** The epoch pipeline could not gather or check its public inputs; the message is one sentence. */
export class RewardsPipelineError extends Error {
  override name = "RewardsPipelineError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
