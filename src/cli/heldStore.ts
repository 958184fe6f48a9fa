/**
 * A store held open by a long-running command (`softkey agent start`, `softkey serve`) that runs
 * the CLI invocations sent over its control socket (src/agent/) with the store it holds: no
 * process start, no bundle to load, no key derivation. An invocation it cannot run exactly as a
 * fresh process would (another command, other options for the store) is sent back to run the
 * normal way (AgentFallback).
 */
import { realpathSync } from "node:fs";
import type { RunRequest } from "../agent/protocol.js";
import { ControlSocketInUseError, listenControlSocket, type ControlSocket, type RunIo } from "../agent/server.js";
import { agentSocketPath, UnsafeSocketError } from "../agent/socketPath.js";
import type { Softkey } from "../softkey.js";
import { CliError } from "./errors.js";
import { ExitCode } from "./exitCodes.js";

/** The commands `softkey agent` runs; the rest need a store of their own (pin, export, ...) or none. */
export const AGENT_COMMANDS: readonly string[] = ["create", "get", "list", "info", "delete", "counter", "credential", "fault"];
/** What `softkey serve`'s control socket runs: faults, applied live (other commands still find the store in use). */
export const SERVE_COMMANDS: readonly string[] = ["fault"];

/** Thrown where a held store cannot run an invocation identically; it then runs the normal way. */
export class AgentFallback extends Error {
  override name = "AgentFallback";
}

/** Where the held authenticator's log goes: to the invocation running now (its --debug, its integrity failures), else the holder's own. */
export class LogRoute {
  to: ((message: string) => void) | undefined;
  constructor(private readonly own: (message: string) => void) {}
  readonly log = (message: string): void => (this.to ?? this.own)(message);
}

/** The global options that decide how a store is opened (context.ts's GlobalOptions has them). */
export interface OpeningOptions {
  store: string;
  presence: string;
  uv: string;
  enrollSamples?: readonly string[];
  userActionTimeout?: string;
  pinFile?: string;
  seedFile?: string;
  debug: boolean;
}

export interface HeldStore {
  softkey: Softkey;
  /** The global options it was opened with. */
  opened: OpeningOptions;
  commands: readonly string[];
  /**
   * Where the store's authenticator log goes while an invocation runs: the invocation's stderr
   * (an agent, which runs nothing else meanwhile). None for serve, whose hosts keep answering
   * (and logging to serve's own stderr) while another process's `fault set` runs.
   */
  logRoute?: LogRoute;
}

/** Runs one invocation on a held store (main.ts); given to the commands that hold one. */
export type RunHeld = (held: HeldStore, request: RunRequest, io: RunIo) => Promise<number | "fallback">;

export interface HoldOptions {
  kind: "agent" | "serve";
  /** Where to look for $XDG_RUNTIME_DIR. */
  env: NodeJS.ProcessEnv;
  runHeld: RunHeld;
  /** `softkey agent stop`: start stopping (undefined), or why this holder is not stopped that way. */
  stop: () => string | undefined;
}

/** Listen on the held store's control socket; CANNOT_SERVE when it cannot be made safely. */
export async function holdControlSocket(held: HeldStore, options: HoldOptions): Promise<ControlSocket> {
  try {
    return await listenControlSocket(agentSocketPath(held.opened.store, options.env), {
      status: { kind: options.kind, store: held.opened.store, commands: [...held.commands] },
      run: (request, io) => options.runHeld(held, request, io),
      stop: options.stop,
    });
  } catch (error) {
    if (error instanceof UnsafeSocketError || error instanceof ControlSocketInUseError) throw new CliError(ExitCode.CANNOT_SERVE, error.message, { cause: error });
    throw error;
  }
}

/**
 * Whether an invocation with `globals` would open the store exactly as it is held: the same
 * directory, and for ceremonies the same presence, UV and timeout; no PIN or seed of its own
 * (the held store has none), no --debug (its stack traces would show the agent), no rescue.
 */
export function opensAsHeld(held: HeldStore, globals: OpeningOptions, openFor: { ceremonies: boolean; rescue?: boolean }, env: NodeJS.ProcessEnv): boolean {
  const { opened } = held;
  const sameCeremonies =
    !openFor.ceremonies ||
    (globals.presence === opened.presence &&
      globals.uv === opened.uv &&
      JSON.stringify(globals.enrollSamples) === JSON.stringify(opened.enrollSamples) &&
      globals.userActionTimeout === opened.userActionTimeout);
  return (
    sameCeremonies &&
    realStore(globals.store) === realStore(opened.store) &&
    globals.pinFile === undefined &&
    globals.seedFile === undefined &&
    env.SOFTKEY_PIN === undefined &&
    env.SOFTKEY_SEED === undefined &&
    !globals.debug &&
    !openFor.rescue
  );
}

function realStore(dir: string): string | undefined {
  try {
    return realpathSync(dir);
  } catch {
    return undefined;
  }
}
