/**
 * The authenticator PIN for ceremonies: --pin, else SOFTKEY_PIN, else a
 * hidden prompt on the terminal, asked only when a ceremony needs the PIN
 * (as a browser asks only then).
 */
import type { PinSource } from "../client/client.js";
import { CliError } from "./errors.js";
import { ExitCode } from "./exitCodes.js";
import { askHiddenOnTerminal } from "./passphrase.js";

export const PIN_ENV = "SOFTKEY_PIN";

export function pinSource(given: string | undefined, env: NodeJS.ProcessEnv): PinSource {
  if (given !== undefined) return given;
  const fromEnv = env[PIN_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  // No terminal: undefined, and the client answers with its own "needs its PIN" error.
  return () => askHiddenOnTerminal("Authenticator PIN: ");
}

/** A PIN argument for `softkey pin set|change`: the option, the environment variable, or a prompt (twice for a new PIN). */
export async function pinArgument(given: string | undefined, envName: string, env: NodeJS.ProcessEnv, question: string, confirm: boolean): Promise<string> {
  if (given !== undefined) return given;
  const fromEnv = env[envName];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const first = await askHiddenOnTerminal(question);
  if (first === undefined) throw new CliError(ExitCode.NO_TERMINAL, `no PIN: pass it as an option, set ${envName}, or run on a terminal to be prompted`);
  if (confirm && (await askHiddenOnTerminal("Repeat the new PIN: ")) !== first) throw new CliError(ExitCode.INVALID_INPUT, "the PINs do not match");
  return first;
}
