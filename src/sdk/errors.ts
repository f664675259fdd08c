import { KhoError } from "../protocol/errors";

/** Errors the SDK throws for bad input or missing records, before or instead of a transaction. */

/** A caller-supplied value is malformed (address, id, hash, amount…). The message names the value. */
export class KhoInputError extends KhoError {
  override name = "KhoInputError";
  readonly code = "invalid_input";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export type KhoRecordKind = "community" | "model" | "dataset" | "deployment" | "batch";

/** A record (by id, slug or name) does not exist on chain. */
export class KhoNotFoundError extends KhoError {
  override name = "KhoNotFoundError";
  readonly code = "not_found";
  constructor(
    readonly kind: KhoRecordKind,
    readonly ref: bigint | string,
    options?: { cause?: unknown; message?: string },
  ) {
    super(
      options?.message ?? `${kind} ${typeof ref === "bigint" ? ref.toString() : JSON.stringify(ref)} does not exist`,
      {
        cause: options?.cause,
      },
    );
  }
}

/** The account cannot cover an amount (checked before sending, so no gas is spent on a sure revert). */
export class KhoInsufficientFundsError extends KhoError {
  override name = "KhoInsufficientFundsError";
  readonly code = "insufficient_funds";
  constructor(
    readonly account: string,
    readonly available: bigint,
    readonly needed: bigint,
    message: string,
  ) {
    super(message);
  }
}

/** The bytes behind a data URI (batch file, reward tree dump) could not be read or fetched. */
export class KhoDataUriError extends KhoError {
  override name = "KhoDataUriError";
  readonly code = "data_uri_unreadable";
}

/** Chain events could not be read (RPC failure or a range the node refuses). */
export class KhoLogReadError extends KhoError {
  override name = "KhoLogReadError";
  readonly code = "chain_logs_unreadable";
}
