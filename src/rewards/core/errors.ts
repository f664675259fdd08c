/** Thrown when the calculator's inputs break a documented precondition; the message is one sentence. */
export class RewardsInputError extends Error {
  override name = "RewardsInputError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
export type RewardsInputErrorType = RewardsInputError;
