/** A publish or claim step cannot go ahead; the message is one sentence saying why and what to do. */
export class RewardsPublishError extends Error {
  override name = "RewardsPublishError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
export type RewardsPublishErrorType = RewardsPublishError;
