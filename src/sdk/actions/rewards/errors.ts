import { KhoError } from "../../../protocol/errors";
/** A publish or claim step cannot go ahead; the message is one sentence saying why and what to do. */
export class RewardsPublishError extends KhoError {
  override name = "RewardsPublishError";
  readonly code = "rewards_publish_refused";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
export type RewardsPublishErrorType = RewardsPublishError;
