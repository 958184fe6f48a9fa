/**
 * The authenticator PINs the CLI takes (secrets.ts says from where). The PIN for ceremonies:
 * --pin-file, else SOFTKEY_PIN, else a hidden prompt on the terminal, asked only when a ceremony
 * needs the PIN (as a browser asks only then). The PINs of `softkey pin set|change` likewise,
 * with their own files and variables.
 */
import type { PinSource } from "../client/client.js";
import { CliError } from "./errors.js";
import { ExitCode } from "./exitCodes.js";
import type { CliIo } from "./io.js";
import { askHiddenOnTerminal } from "./passphrase.js";
import { secretFromFileOrEnv, type SecretSpec, type StdinClaim } from "./secrets.js";

export const PIN_ENV = "SOFTKEY_PIN";
export const NEW_PIN_ENV = "SOFTKEY_NEW_PIN";

/** The PIN a ceremony uses; also the current PIN of `pin change`. */
export const CEREMONY_PIN: SecretSpec = { what: "PIN", argvFlag: "--pin", fileFlag: "--pin-file", env: PIN_ENV, prompt: true };
export const OLD_PIN: SecretSpec = { what: "current PIN", argvFlag: "--old", fileFlag: "--old-pin-file", env: PIN_ENV, prompt: true };
export const NEW_PIN: SecretSpec = { what: "new PIN", argvFlag: "--new", fileFlag: "--new-pin-file", env: NEW_PIN_ENV, prompt: true };

/** Where a ceremony's PIN comes from; the prompt, the last resort, only when the ceremony asks. */
export async function pinSource(file: string | undefined, io: CliIo, stdin: StdinClaim): Promise<PinSource> {
  const given = await secretFromFileOrEnv(CEREMONY_PIN, file, io, stdin);
  if (given !== undefined) return given;
  // No terminal: undefined, and the client answers with its own "needs its PIN" error.
  return () => askHiddenOnTerminal("Authenticator PIN: ");
}

/** A PIN for `softkey pin set|change`: its file, its environment variable, or a prompt (twice for a new PIN). */
export async function pinArgument(spec: SecretSpec, file: string | undefined, io: CliIo, stdin: StdinClaim, question: string, confirm: boolean): Promise<string> {
  const given = await secretFromFileOrEnv(spec, file, io, stdin);
  if (given !== undefined) return given;
  const first = await askHiddenOnTerminal(question);
  if (first === undefined) {
    throw new CliError(ExitCode.NO_TERMINAL, `no ${spec.what}: use ${spec.fileFlag} FILE, set ${spec.env}, or run on a terminal to be prompted`);
  }
  if (confirm && (await askHiddenOnTerminal("Repeat the new PIN: ")) !== first) throw new CliError(ExitCode.INVALID_INPUT, "the PINs do not match");
  return first;
}
