/**
 * Every failure leaves the CLI as one stderr line, `softkey: <message>`, and
 * an exit code from exitCodes.ts. The stack trace is printed only with --debug.
 */
import { CommanderError } from "commander";
import { IntegrityError, KeystoreError, type KeystoreErrorCode } from "../keystore/errors.js";
import { WebAuthnError, type WebAuthnErrorName } from "../client/errors.js";
import { NoTerminalError } from "../presence/index.js";
import { ServeError } from "../serve/serveError.js";
import { Status } from "../ctap/status.js";
import { ExitCode } from "./exitCodes.js";

/** An error the CLI itself raises, carrying its exit code. */
export class CliError extends Error {
  override name = "CliError";
  constructor(
    readonly exitCode: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const KEYSTORE_EXIT: Record<KeystoreErrorCode, number> = {
  STORE_NOT_FOUND: ExitCode.STORE_MISSING_OR_EXISTS,
  STORE_EXISTS: ExitCode.STORE_MISSING_OR_EXISTS,
  STORE_LOCKED: ExitCode.STORE_IN_USE,
  STORE_CLOSED: ExitCode.INTERNAL,
  STORE_FORMAT: ExitCode.INTEGRITY,
  STORE_OPEN_FAILED: ExitCode.INTERNAL,
  WRONG_PASSPHRASE: ExitCode.WRONG_PASSPHRASE,
  INTEGRITY: ExitCode.INTEGRITY,
  CREDENTIAL_NOT_FOUND: ExitCode.INVALID_INPUT,
};

const WEBAUTHN_EXIT: Record<WebAuthnErrorName, number> = {
  NotAllowedError: ExitCode.REFUSED,
  InvalidStateError: ExitCode.REFUSED,
  NotSupportedError: ExitCode.REFUSED,
  AbortError: ExitCode.REFUSED,
  ConstraintError: ExitCode.REFUSED,
  SecurityError: ExitCode.SECURITY,
  TypeError: ExitCode.INVALID_INPUT,
  EncodingError: ExitCode.INVALID_INPUT,
  SyntaxError: ExitCode.INVALID_INPUT,
};

export interface ReportedError {
  exitCode: number;
  /** The single line for stderr, without the trailing newline. */
  line: string;
}

/**
 * Map any thrown value to its exit code and its one-line message. `integrityFailures`: what the
 * authenticator said about records failing their integrity check in this run (context.ts collects
 * it), so that a ceremony refused with CTAP2_ERR_INTEGRITY_FAILURE names the record.
 */
export function describeError(error: unknown, integrityFailures: readonly string[] = []): ReportedError {
  if (error instanceof CliError) return { exitCode: error.exitCode, line: oneLine(error.message) };
  if (error instanceof CommanderError) {
    // Commander has already printed its own line (see main.ts); help and --version end in code 0.
    return { exitCode: error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE, line: "" };
  }
  if (error instanceof KeystoreError || error instanceof IntegrityError) {
    return { exitCode: KEYSTORE_EXIT[error.code] ?? ExitCode.INTERNAL, line: oneLine(error.message) };
  }
  if (error instanceof WebAuthnError && error.ctapStatus === Status.CTAP2_ERR_INTEGRITY_FAILURE) {
    const record = integrityFailures.at(-1);
    return { exitCode: ExitCode.INTEGRITY, line: oneLine(`${error.name}: ${error.message}${record ? `: ${record}` : ""}`) };
  }
  if (error instanceof WebAuthnError) {
    const exitCode = WEBAUTHN_EXIT[error.name] ?? ExitCode.INTERNAL;
    return { exitCode, line: oneLine(`${error.name}: ${error.message}`) };
  }
  if (error instanceof NoTerminalError) return { exitCode: ExitCode.NO_TERMINAL, line: oneLine(error.message) };
  if (error instanceof ServeError) return { exitCode: ExitCode.CANNOT_SERVE, line: oneLine(error.message) };
  const message = error instanceof Error ? error.message || error.name : String(error);
  return { exitCode: ExitCode.INTERNAL, line: oneLine(`internal error: ${message} (re-run with --debug for details)`) };
}

/** Write the error as one line (plus, with `debug`, its stack and causes) and return the exit code. */
export function reportError(error: unknown, stderr: (text: string) => void, debug: boolean, integrityFailures: readonly string[] = []): number {
  const { exitCode, line } = describeError(error, integrityFailures);
  if (line) stderr(`softkey: ${line}\n`);
  if (debug && !(error instanceof CommanderError)) stderr(`${stackOf(error)}\n`);
  return exitCode;
}

function stackOf(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    parts.push(current instanceof Error ? (current.stack ?? `${current.name}: ${current.message}`) : String(current));
    current = current instanceof Error ? current.cause : undefined;
    if (current !== undefined) parts.push("caused by:");
  }
  return parts.join("\n");
}

export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, " ").trim();
}
