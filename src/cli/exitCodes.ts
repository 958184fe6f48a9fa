/**
 * softkey's exit codes. Stable: scripts and CI branch on them, and the README
 * quotes `EXIT_CODE_TABLE`.
 */
export const ExitCode = {
  /** Success. */
  OK: 0,
  /** A bug or an unexpected failure (storage I/O, ...). Re-run with --debug for the stack. */
  INTERNAL: 1,
  /** Bad command line: unknown command or flag, missing argument, invalid choice, or a secret given on it (secrets.ts). */
  USAGE: 2,
  /** Invalid input: options JSON that does not parse or is malformed, bad --aaguid/--kdf-cost, no such credential ID. */
  INVALID_INPUT: 3,
  /** The passphrase does not open the store (nothing was changed). */
  WRONG_PASSPHRASE: 4,
  /** Another process holds the store open. */
  STORE_IN_USE: 5,
  /** No store at --store (run `softkey init`), or `init` found one already there; likewise for the attestation CA (`softkey ca`). */
  STORE_MISSING_OR_EXISTS: 6,
  /** The authenticator or the user refused: NotAllowedError (denied, no credential, timeout), InvalidStateError (excluded credential), NotSupportedError, ConstraintError, AbortError. */
  REFUSED: 7,
  /** SecurityError: the origin may not claim the RP ID, or is not a secure context. */
  SECURITY: 8,
  /** A record or the store failed its integrity check (tampered with, corrupt, a write dropped), or the store's metadata is unreadable. */
  INTEGRITY: 9,
  /** No passphrase (no --passphrase-file, no SOFTKEY_PASSPHRASE, no terminal to prompt on), no population seed likewise, or --presence prompt without a terminal. */
  NO_TERMINAL: 10,
  /** The relying-party check of an assertion failed: `softkey demo`, or `softkey decode --registration`'s signature check. */
  VERIFICATION_FAILED: 11,
  /** `softkey serve`: a host could not start (address in use, socket path taken, /dev/uhid missing or not permitted); `softkey attach`: the browser cannot be reached, is not a CDP/BiDi endpoint, or its one BiDi session is taken (or the browser adapter is missing); `softkey agent start`: its control socket cannot be made (unsafe directory). */
  CANNOT_SERVE: 12,
  /** `softkey agent status|stop`: no agent runs for the store (or its control socket belongs to `softkey serve`). */
  AGENT_NOT_RUNNING: 13,
  /** Interrupted at a prompt (Ctrl-C), or a population export stopped by SIGINT/SIGTERM (no file written). */
  INTERRUPTED: 130,
} as const;

export type ExitCodeName = keyof typeof ExitCode;
export type ExitCodeValue = (typeof ExitCode)[ExitCodeName];

/** The table for the README and `softkey --help`. */
export const EXIT_CODE_TABLE: readonly { code: number; name: ExitCodeName; meaning: string }[] = [
  { code: ExitCode.OK, name: "OK", meaning: "success" },
  { code: ExitCode.INTERNAL, name: "INTERNAL", meaning: "internal error (re-run with --debug for the stack trace)" },
  { code: ExitCode.USAGE, name: "USAGE", meaning: "bad command line: unknown command or flag, missing argument, invalid choice, or a secret on it (--pin, --seed, ...)" },
  { code: ExitCode.INVALID_INPUT, name: "INVALID_INPUT", meaning: "invalid input: options JSON unparsable or malformed, bad --aaguid/--kdf-cost, no such credential" },
  { code: ExitCode.WRONG_PASSPHRASE, name: "WRONG_PASSPHRASE", meaning: "wrong passphrase (the store is left unchanged)" },
  { code: ExitCode.STORE_IN_USE, name: "STORE_IN_USE", meaning: "the store is in use by another process" },
  { code: ExitCode.STORE_MISSING_OR_EXISTS, name: "STORE_MISSING_OR_EXISTS", meaning: "no store at --store (run softkey init), or init found one already there; likewise for the attestation CA (softkey ca)" },
  { code: ExitCode.REFUSED, name: "REFUSED", meaning: "refused by the authenticator or the user (NotAllowedError, InvalidStateError, NotSupportedError, ConstraintError, AbortError)" },
  { code: ExitCode.SECURITY, name: "SECURITY", meaning: "SecurityError: the origin may not use this RP ID (or is not a secure context)" },
  { code: ExitCode.INTEGRITY, name: "INTEGRITY", meaning: "a record or the store failed its integrity check (tampered with, corrupt, a write dropped); export --rescue saves what verifies" },
  { code: ExitCode.NO_TERMINAL, name: "NO_TERMINAL", meaning: "no passphrase (or population seed) and no terminal to prompt on, or --presence prompt without a terminal" },
  { code: ExitCode.VERIFICATION_FAILED, name: "VERIFICATION_FAILED", meaning: "the relying-party check of an assertion failed (softkey demo; softkey decode --registration)" },
  { code: ExitCode.CANNOT_SERVE, name: "CANNOT_SERVE", meaning: "softkey serve: a host could not start (address in use, no /dev/uhid, permission denied); softkey attach: the browser cannot be reached, or its one BiDi session is taken; softkey agent start: its control socket cannot be made" },
  { code: ExitCode.AGENT_NOT_RUNNING, name: "AGENT_NOT_RUNNING", meaning: "softkey agent status/stop: no agent runs for the store (softkey serve's control socket is stopped with its signal)" },
  { code: ExitCode.INTERRUPTED, name: "INTERRUPTED", meaning: "interrupted at a prompt (Ctrl-C), or a population export stopped by a signal" },
];

/** The table as aligned text, for `--help` and the README. */
export function formatExitCodeTable(): string {
  return EXIT_CODE_TABLE.map(({ code, meaning }) => `  ${String(code).padStart(3)}  ${meaning}`).join("\n");
}
