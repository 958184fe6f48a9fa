/**
 * `softkey serve --http [HOST:]PORT`: the CLI's side of the HTTP service
 * (src/serve/http/, started by src/serve/startServe.ts). The addresses as
 * given, which token (SOFTKEY_TOKEN, else a random one), and the token file
 * (--token-file), written before the store opens and removed at the end.
 * Errors are CliErrors with the serve exit codes.
 */
import { parseHttpAddress } from "../serve/http/address.js";
import { generateToken, removeTokenFile, tokenProblem, writeTokenFile } from "../serve/http/auth.js";
import type { ServeOptions } from "../serve/startServe.js";
import { CliError } from "./errors.js";
import { ExitCode } from "./exitCodes.js";

export const TOKEN_ENV = "SOFTKEY_TOKEN";

export interface HttpFlags {
  http: string[];
  tokenFile?: string;
}

export interface HttpHosts {
  /** What startServe needs: the addresses and the token. */
  service: NonNullable<ServeOptions["http"]>;
  /** Write the token file, if one was asked for (before the store opens: a file in the way fails fast). */
  writeTokenFile(): Promise<void>;
  /** Remove the token file this run wrote (if it still holds this run's token). */
  removeTokenFile(): Promise<void>;
}

/** The HTTP side of a serve command line, or undefined without --http. Throws CliError(USAGE) for a bad command line. */
export function planHttpHosts(flags: HttpFlags, env: NodeJS.ProcessEnv): HttpHosts | undefined {
  if (flags.http.length === 0) {
    if (flags.tokenFile !== undefined) throw new CliError(ExitCode.USAGE, "--token-file is for --http; there is no HTTP service to protect");
    return undefined;
  }
  const listen = flags.http.map((text) => {
    try {
      return { address: parseHttpAddress(text), text };
    } catch (error) {
      throw new CliError(ExitCode.USAGE, `--http: ${(error as Error).message}`);
    }
  });
  const fromEnv = env[TOKEN_ENV] || undefined;
  if (fromEnv === undefined && flags.tokenFile === undefined) {
    throw new CliError(
      ExitCode.USAGE,
      `--http needs a known token: give --token-file FILE (softkey writes a random token there) or set ${TOKEN_ENV}`,
    );
  }
  if (fromEnv !== undefined) {
    const problem = tokenProblem(fromEnv);
    if (problem) throw new CliError(ExitCode.USAGE, `${TOKEN_ENV} ${problem}`);
  }
  const token = fromEnv ?? generateToken();
  const tokenFile = flags.tokenFile;
  let written = false;

  return {
    service: { listen, token },
    async writeTokenFile() {
      if (tokenFile === undefined) return;
      try {
        await writeTokenFile(tokenFile, token);
        written = true;
      } catch (error) {
        throw new CliError(ExitCode.CANNOT_SERVE, `--token-file: ${(error as Error).message}`, { cause: error });
      }
    },
    async removeTokenFile() {
      if (tokenFile !== undefined && written) await removeTokenFile(tokenFile, token);
    },
  };
}
