/**
 * What every command shares: the global options, resolved, and opening the
 * store with them.
 */
import path from "node:path";
import type { Command } from "commander";
import { Softkey } from "../softkey.js";
import { Keystore } from "../keystore/store.js";
import { IntegrityError, StoreLockedError, StoreNotFoundError } from "../keystore/errors.js";
import { hasTerminal, NoTerminalError, type BuiltInUvMode, type PresencePolicyName, type SampleStatus } from "../presence/index.js";
import type { CliIo } from "./io.js";
import { resolvePassphrase } from "./passphrase.js";
import { CliError } from "./errors.js";
import { ExitCode } from "./exitCodes.js";
import { CEREMONY_PIN, pinSource } from "./pin.js";
import { refuseArgvSecret, secretFromFileOrEnv, type SecretSpec, type StdinClaim } from "./secrets.js";
import { AgentFallback, opensAsHeld, type HeldStore } from "./heldStore.js";

import { privateSocketPath } from "../agent/client.js";

export { DEFAULT_STORE, STORE_ENV } from "../agent/client.js";

export interface GlobalOptions {
  store: string;
  passphraseFile?: string;
  presence: PresencePolicyName;
  uv: BuiltInUvMode;
  /** --enroll-samples: the statuses a fingerprint sensor reports for the next enrollment samples. */
  enrollSamples?: SampleStatus[];
  /** --user-action-timeout SECONDS: how long the key waits for the user (CTAP2_ERR_USER_ACTION_TIMEOUT after). */
  userActionTimeout?: string;
  /** --wait SECONDS: retry opening a store another process holds, for up to this long. */
  wait?: string;
  /** Deterministic mode (fixtures only): keys, credential IDs and signatures derived from the seed in this file (else SOFTKEY_SEED). */
  seedFile?: string;
  /** The authenticator PIN for ceremonies, from this file (else SOFTKEY_PIN, else a prompt when needed). */
  pinFile?: string;
  /** The refused argv forms of the two above (secrets.ts). */
  seed?: string;
  pin?: string;
  debug: boolean;
}

export interface CliContext {
  io: CliIo;
  /** Who reads standard input in this run: the options JSON or one secret, not both. */
  stdin: StdinClaim;
  /** What the authenticator reported about records failing their integrity check, for the error line (errors.ts). */
  integrityFailures: string[];
  /** Set by a command that succeeds in part (e.g. `list` with corrupted records); errors are thrown instead. */
  exitCode: number;
  /** Set when this invocation runs in a process that holds the store open (heldStore.ts): commands use that store. */
  held?: HeldStore;
}

export const SEED_ENV = "SOFTKEY_SEED";
export const SEED: SecretSpec = { what: "seed", argvFlag: "--seed", fileFlag: "--seed-file", env: SEED_ENV, prompt: false };

/** Refuse the secrets given on the command line, before anything else happens. */
export function refuseArgvSecrets(globals: GlobalOptions): void {
  refuseArgvSecret(CEREMONY_PIN, globals.pin);
  refuseArgvSecret(SEED, globals.seed);
}

/** The global options as given (or defaulted) for the command being run. */
export function globalsOf(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

/** True when --store was given on the command line (not from SOFTKEY_STORE or the default). */
export function storeGivenOnCommandLine(command: Command): boolean {
  let root = command;
  while (root.parent) root = root.parent;
  return root.getOptionValueSource("store") === "cli";
}

/** The resolved store directory, absolute. */
export function storeDir(globals: GlobalOptions): string {
  return path.resolve(globals.store);
}

/** Fail up front, before any passphrase prompt, when --presence prompt cannot ask anyone. */
export function checkPresenceUsable(globals: GlobalOptions): void {
  if (globals.presence === "prompt" && !hasTerminal()) throw new NoTerminalError();
}

export function debugLog(ctx: CliContext, globals: GlobalOptions): ((message: string) => void) | undefined {
  if (!globals.debug) return undefined;
  return (message) => ctx.io.stderr(`softkey: debug: ${message.replace(/\n/g, "\n  ")}\n`);
}

/** The authenticator's log: records failing their integrity check are kept for the error line; everything is printed with --debug. */
export function authenticatorLog(ctx: CliContext, globals: GlobalOptions): (message: string) => void {
  const debug = debugLog(ctx, globals);
  return (message) => {
    if (message.includes("failed integrity check")) ctx.integrityFailures.push(message.replace(/^(\w+: )?(skipping credential: )?/, ""));
    debug?.(message);
  };
}

export interface OpenFor {
  /** The command runs ceremonies, so --presence prompt must be able to ask (create, get, demo). */
  ceremonies: boolean;
  /** `export --rescue`: a damaged store, read-only, for what still verifies (Softkey.open's rescue). */
  rescue?: boolean;
  /** The authenticator's log instead of this invocation's (a held store routes it to each invocation it runs). */
  log?: (message: string) => void;
}

/** What a store failing its integrity check at open says next to the failure: the way out. */
export const RESCUE_HINT = "softkey export --format softkey --rescue exports the credentials that still verify";

/** Open the store with the global options: existence first, then presence, then the passphrase. */
export async function openSoftkey(ctx: CliContext, globals: GlobalOptions, openFor: OpenFor): Promise<Softkey> {
  if (ctx.held) return heldSoftkey(ctx, ctx.held, globals, openFor);
  const dir = storeDir(globals);
  // Say "no store" before asking for a passphrase that could not help.
  if (!(await Keystore.exists(dir))) throw new StoreNotFoundError(dir);
  if (openFor.ceremonies) checkPresenceUsable(globals);
  const timeout = userActionTimeoutOption(globals);
  const passphrase = await resolvePassphrase({ file: globals.passphraseFile, env: ctx.io.env });
  const pin = await pinSource(globals.pinFile, ctx.io, ctx.stdin);
  const seed = await secretFromFileOrEnv(SEED, globals.seedFile, ctx.io, ctx.stdin);
  try {
    return await retryWhileLocked(globals.wait, () =>
      Softkey.open(dir, {
        passphrase,
        presence: globals.presence,
        uv: globals.uv,
        ...(globals.enrollSamples ? { enrollSamples: globals.enrollSamples } : {}),
        ...timeout,
        log: openFor.log ?? authenticatorLog(ctx, globals),
        pin,
        ...(seed !== undefined ? { seed } : {}),
        ...(openFor.rescue ? { rescue: true } : {}),
      }),
    );
  } catch (error) {
    if (error instanceof IntegrityError) throw new CliError(ExitCode.INTEGRITY, `${error.message}; ${RESCUE_HINT}`, { cause: error });
    // Held by an agent or serve: say which way out there is.
    if (error instanceof StoreLockedError && privateSocketPath(dir, ctx.io.env) !== undefined) {
      throw new CliError(ExitCode.STORE_IN_USE, `${error.message} (a softkey agent or serve holds it: softkey agent status)`, { cause: error });
    }
    throw error;
  }
}

/** The held store, for an invocation that would open it the same way; else it runs the normal way. */
function heldSoftkey(ctx: CliContext, held: HeldStore, globals: GlobalOptions, openFor: OpenFor): Softkey {
  if (!opensAsHeld(held, globals, openFor, ctx.io.env)) throw new AgentFallback();
  if (held.logRoute) held.logRoute.to = authenticatorLog(ctx, globals);
  return held.softkey;
}

/** --user-action-timeout as the device's userActionTimeoutMs; a positive number of seconds. */
export function userActionTimeoutOption(globals: GlobalOptions): { config?: { userActionTimeoutMs: number } } {
  const seconds = globals.userActionTimeout;
  if (seconds === undefined) return {};
  const value = Number(seconds);
  if (!Number.isFinite(value) || value <= 0) throw new CliError(ExitCode.USAGE, `--user-action-timeout must be a positive number of seconds, got "${seconds}"`);
  return { config: { userActionTimeoutMs: Math.round(value * 1000) } };
}

/** Run `body` with the store open, closing it afterwards whatever happens. */
export async function withSoftkey<T>(
  ctx: CliContext,
  globals: GlobalOptions,
  openFor: OpenFor,
  body: (softkey: Softkey) => Promise<T>,
): Promise<T> {
  const softkey = await openSoftkey(ctx, globals, openFor);
  if (ctx.held) return body(softkey); // its holder closes it
  try {
    return await body(softkey);
  } finally {
    await softkey.close();
  }
}

/**
 * Run `open`, retrying while another process holds the store's lock, for up to `wait` seconds
 * (--wait); without it the first StoreLockedError stands (exit 5). The passphrase was read once before.
 */
export async function retryWhileLocked<T>(wait: string | undefined, open: () => Promise<T>): Promise<T> {
  const seconds = wait === undefined ? 0 : Number(wait);
  if (!Number.isFinite(seconds) || seconds < 0) throw new CliError(ExitCode.USAGE, `--wait must be a number of seconds, got "${wait}"`);
  const deadline = Date.now() + seconds * 1000;
  for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
    try {
      return await open();
    } catch (error) {
      const left = deadline - Date.now();
      if (!(error instanceof StoreLockedError) || left <= 0) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(delay, left)));
    }
  }
}
