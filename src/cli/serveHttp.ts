/**
 * `softkey serve --http [HOST:]PORT`: the CLI's side of the HTTP service
 * (src/serve/http/). Which token (SOFTKEY_TOKEN, else a random one), the token
 * file (--token-file), starting the services on the open store and removing
 * the token file at the end. Errors are CliErrors with the serve exit codes.
 */
import type { Softkey } from "../softkey.js";
import { collectInfo } from "../deviceInfo.js";
import { parseHttpAddress, type HttpAddress } from "../serve/http/address.js";
import { generateToken, removeTokenFile, tokenProblem, writeTokenFile } from "../serve/http/auth.js";
import type { HttpBackend } from "../serve/http/handlers.js";
import { startHttpService, type HttpService } from "../serve/http/server.js";
import type { CreationOptionsInput, RequestOptionsInput } from "../client/optionsJSON.js";
import { CliError } from "./errors.js";
import { ExitCode } from "./exitCodes.js";

export const TOKEN_ENV = "SOFTKEY_TOKEN";

export interface HttpFlags {
  http: string[];
  tokenFile?: string;
}

export interface HttpHosts {
  /** Write the token file, if one was asked for (before the store opens: a file in the way fails fast). */
  writeTokenFile(): Promise<void>;
  /** Start every --http address on the open store; on a failure those already started are closed. */
  start(softkey: Softkey, logging: { log?: (line: string) => void; warn: (line: string) => void }): Promise<HttpService[]>;
  /** Remove the token file this run wrote (if it still holds this run's token). */
  removeTokenFile(): Promise<void>;
}

/** The HTTP side of a serve command line, or undefined without --http. Throws CliError(USAGE) for a bad command line. */
export function planHttpHosts(flags: HttpFlags, env: NodeJS.ProcessEnv): HttpHosts | undefined {
  if (flags.http.length === 0) {
    if (flags.tokenFile !== undefined) throw new CliError(ExitCode.USAGE, "--token-file is for --http; there is no HTTP service to protect");
    return undefined;
  }
  const addresses: HttpAddress[] = flags.http.map((text) => {
    try {
      return parseHttpAddress(text);
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
    async writeTokenFile() {
      if (tokenFile === undefined) return;
      try {
        await writeTokenFile(tokenFile, token);
        written = true;
      } catch (error) {
        throw new CliError(ExitCode.CANNOT_SERVE, `--token-file: ${(error as Error).message}`, { cause: error });
      }
    },
    async start(softkey, { log, warn }) {
      const backend = softkeyBackend(softkey);
      const services: HttpService[] = [];
      for (const address of addresses) {
        try {
          services.push(await startHttpService(address, backend, { token, warn, ...(log ? { log } : {}) }));
        } catch (error) {
          await Promise.allSettled(services.map((service) => service.close()));
          throw new CliError(ExitCode.CANNOT_SERVE, `cannot serve HTTP on ${flags.http[services.length]}: ${(error as Error).message}`, { cause: error });
        }
      }
      return services;
    },
    async removeTokenFile() {
      if (tokenFile !== undefined && written) await removeTokenFile(tokenFile, token);
    },
  };
}

/**
 * The HTTP service's view of a Softkey. Ceremonies run one at a time, as a
 * browser runs them against one authenticator: a ceremony with user
 * verification obtains a pinUvAuthToken, and obtaining another revokes it
 * (CTAP 2.1 section 6.5.2), so two interleaved ceremonies would fail each
 * other with CTAP2_ERR_PIN_AUTH_INVALID. The queue also gives every
 * assertion its counter in the order the responses complete. A request whose
 * client left while it waited is skipped.
 */
export function softkeyBackend(softkey: Softkey): HttpBackend {
  let queue: Promise<unknown> = Promise.resolve();
  const oneAtATime = <T>(signal: AbortSignal, ceremony: () => Promise<T>): Promise<T> => {
    const result = queue.then(() => {
      signal.throwIfAborted();
      return ceremony();
    });
    queue = result.catch(() => {});
    return result;
  };
  return {
    create: (options, call) => oneAtATime(call.signal, () => softkey.create(options as CreationOptionsInput, call)),
    get: (options, call) => oneAtATime(call.signal, () => softkey.get(options as RequestOptionsInput, call)),
    listCredentials: (filter) => softkey.listCredentials(filter),
    deleteCredential: (id) => softkey.deleteCredential(id),
    info: () => collectInfo(softkey),
  };
}
