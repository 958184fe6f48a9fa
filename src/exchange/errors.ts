/**
 * Errors of credential exchange. Each has a stable `code` so the CLI can pick
 * its exit code without parsing messages.
 */

export type ExchangeErrorCode =
  /** The input is not what the format says (bad JSON shape, bad base64, a key that does not parse, ...). */
  | "INVALID"
  /** A credential the target format cannot carry (EdDSA in Chrome's or Playwright's authenticator, no user handle). */
  | "UNSUPPORTED"
  /** A credential ID already in the store (pass replace), or twice in one input. */
  | "DUPLICATE"
  /** The bundle passphrase does not open the bundle. */
  | "WRONG_PASSPHRASE"
  /** The bundle's ciphertext failed authentication: altered or truncated. */
  | "INTEGRITY";

export class ExchangeError extends Error {
  override name = "ExchangeError";
  constructor(
    readonly code: ExchangeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** One entry of an import that failed validation. */
export interface EntryProblem {
  /** 0-based position in the input. */
  index: number;
  /** The entry's credential ID as given, when it had a readable one. */
  credentialId?: string;
  message: string;
}

/** How many problems the message names; the rest are counted. */
const PROBLEMS_IN_MESSAGE = 5;

/** An import refused because entries are invalid: nothing was written. `problems` lists every one. */
export class InvalidEntriesError extends ExchangeError {
  override name = "InvalidEntriesError";
  constructor(
    readonly problems: readonly EntryProblem[],
    readonly total: number,
  ) {
    super("INVALID", describeProblems(problems, total));
  }
}

function describeProblems(problems: readonly EntryProblem[], total: number): string {
  const shown = problems.slice(0, PROBLEMS_IN_MESSAGE).map((p) => `entry ${p.index + 1}${p.credentialId ? ` (${p.credentialId})` : ""}: ${p.message}`);
  const more = problems.length > PROBLEMS_IN_MESSAGE ? `; and ${problems.length - PROBLEMS_IN_MESSAGE} more` : "";
  const count = `${problems.length} of ${total} entr${total === 1 ? "y is" : "ies are"} invalid, nothing was imported`;
  return `${count}: ${shown.join("; ")}${more}`;
}
