import { KhoError } from "../../protocol/errors";
/** Thrown when the calculator's inputs break a documented precondition; the message is one sentence. */
export class RewardsInputError extends KhoError {
  override name = "RewardsInputError";
  readonly code = "rewards_input_invalid";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
export type RewardsInputErrorType = RewardsInputError;
