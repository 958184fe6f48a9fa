/**
 * Secrets the CLI takes (PINs, the deterministic seed): never from the command line, where any
 * local user reads them (`ps`, /proc/PID/cmdline). Each comes from a file (`--pin-file FILE`, `-`
 * for standard input), an environment variable, or a hidden prompt on the terminal. The old argv
 * forms (`--pin 1234`) are still parsed, only to be refused with a line that names what to use.
 */
import { CliError } from "./errors.js";
import { ExitCode } from "./exitCodes.js";
import { readStream, type CliIo } from "./io.js";
import { readPassphraseFile } from "./passphrase.js";

/** One secret's names: how the user gives it, and how the messages call it. */
export interface SecretSpec {
  /** "PIN", "new PIN", "seed" */
  what: string;
  /** The refused form, e.g. "--pin". */
  argvFlag: string;
  /** The file form, e.g. "--pin-file". */
  fileFlag: string;
  /** The environment variable, e.g. "SOFTKEY_PIN". */
  env: string;
  /** Whether a terminal prompt can supply it (not for the seed). */
  prompt: boolean;
}

/** Secrets larger than this on stdin are not a PIN or a seed. */
const MAX_SECRET_BYTES = 64 * 1024;

/** The line for an argv secret: it is already visible to `ps`; say so, and what to use from now on. */
export function secretOnCommandLine(spec: SecretSpec): CliError {
  const instead = [`${spec.fileFlag} FILE (- for stdin)`, spec.env, ...(spec.prompt ? ["the terminal prompt"] : [])];
  return new CliError(
    ExitCode.USAGE,
    `${spec.argvFlag} puts the ${spec.what} on the command line, where any local user can read it (ps); ` +
      `use ${instead.slice(0, -1).join(", ")} or ${instead.at(-1)!} instead`,
  );
}

/** Throws the refusal when the argv form was given. */
export function refuseArgvSecret(spec: SecretSpec, given: unknown): void {
  if (given !== undefined) throw secretOnCommandLine(spec);
}

/** Keeps track of who reads stdin: it can carry one thing (options JSON, one secret), not two. */
export class StdinClaim {
  private owner: string | undefined;

  constructor(private readonly io: CliIo) {}

  /** Reserve stdin for `what`; USAGE when something else already has it. */
  claim(what: string): void {
    if (this.owner !== undefined && this.owner !== what) {
      throw new CliError(ExitCode.USAGE, `standard input can carry only one of ${this.owner} and ${what}: give one of them as a file`);
    }
    this.owner = what;
  }

  async readSecret(spec: SecretSpec): Promise<string> {
    this.claim(`the ${spec.what} (${spec.fileFlag} -)`);
    const text = await readStream(this.io.stdin, MAX_SECRET_BYTES, `the ${spec.what} on stdin is larger than ${MAX_SECRET_BYTES} bytes`);
    const secret = text.replace(/\r?\n$/, "");
    if (secret === "") throw new CliError(ExitCode.INVALID_INPUT, `no ${spec.what} on stdin: it is empty`);
    return secret;
  }
}

/**
 * The secret from its file (`-`: stdin), else its environment variable; undefined when neither is
 * given (the caller prompts, or goes without).
 */
export async function secretFromFileOrEnv(spec: SecretSpec, file: string | undefined, io: CliIo, stdin: StdinClaim): Promise<string | undefined> {
  if (file !== undefined) return file === "-" ? stdin.readSecret(spec) : readPassphraseFile(file, spec.what);
  const fromEnv = io.env[spec.env];
  return fromEnv !== undefined && fromEnv !== "" ? fromEnv : undefined;
}
