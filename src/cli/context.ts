/**
 * What every command shares: the global options, resolved, and opening the
 * store with them.
 */
import path from "node:path";
import type { Command } from "commander";
import { Softkey } from "../softkey.js";
import { Keystore } from "../keystore/store.js";
import { StoreLockedError, StoreNotFoundError } from "../keystore/errors.js";
import { hasTerminal, NoTerminalError, type BuiltInUvMode, type PresencePolicyName, type SampleStatus } from "../presence/index.js";
import type { CliIo } from "./io.js";
import { resolvePassphrase } from "./passphrase.js";
import { CliError } from "./errors.js";
import { ExitCode } from "./exitCodes.js";
import { pinSource } from "./pin.js";

export const STORE_ENV = "SOFTKEY_STORE";
export const DEFAULT_STORE = "./keystore";

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
  /** Deterministic mode (fixtures only): keys, credential IDs and signatures derived from this seed. */
  seed?: string;
  /** The authenticator PIN for ceremonies (else SOFTKEY_PIN, else a prompt when needed). */
  pin?: string;
  debug: boolean;
}

export interface CliContext {
  io: CliIo;
  /** Set by a command that succeeds in part (e.g. `list` with corrupted records); errors are thrown instead. */
  exitCode: number;
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

export interface OpenFor {
  /** The command runs ceremonies, so --presence prompt must be able to ask (create, get, demo). */
  ceremonies: boolean;
}

/** Open the store with the global options: existence first, then presence, then the passphrase. */
export async function openSoftkey(ctx: CliContext, globals: GlobalOptions, openFor: OpenFor): Promise<Softkey> {
  const dir = storeDir(globals);
  // Say "no store" before asking for a passphrase that could not help.
  if (!(await Keystore.exists(dir))) throw new StoreNotFoundError(dir);
  if (openFor.ceremonies) checkPresenceUsable(globals);
  const timeout = userActionTimeoutOption(globals);
  const passphrase = await resolvePassphrase({ file: globals.passphraseFile, env: ctx.io.env });
  return retryWhileLocked(globals.wait, () =>
    Softkey.open(dir, {
      passphrase,
      presence: globals.presence,
      uv: globals.uv,
      ...(globals.enrollSamples ? { enrollSamples: globals.enrollSamples } : {}),
      ...timeout,
      log: debugLog(ctx, globals),
      pin: pinSource(globals.pin, ctx.io.env),
      ...(globals.seed !== undefined ? { seed: globals.seed } : {}),
    }),
  );
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
