import { KhoRevertError } from "../../sdk";
import { CliError } from "../errors";
import { formatTokenAmount } from "../units";

/** One sentence per custom error name, built from the error's decoded arguments. */
export type RevertSentences = Partial<Record<string, (args: readonly unknown[]) => string>>;

/**
 * Runs a transaction and turns the reverts a person can cause (wrong role, wrong state, too little
 * bond) into one sentence that says what to do; any other revert keeps its decoded form.
 */
export async function explainReverts<T>(send: () => Promise<T>, sentences: RevertSentences): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if (error instanceof KhoRevertError && error.errorName !== undefined) {
      const sentence = sentences[error.errorName];
      if (sentence !== undefined) throw new CliError(sentence(error.errorArgs), { cause: error });
    }
    throw error;
  }
}

/** A decoded uint argument as `12.5 KHO` (`? KHO` if the error did not carry one). */
export function khoArg(value: unknown): string {
  return `${typeof value === "bigint" ? formatTokenAmount(value) : "?"} KHO`;
}
