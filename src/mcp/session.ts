/**
 * What one MCP connection works on: one open Softkey, the account choices the
 * agent made, and the event log it reads. Tools get the session and nothing
 * else, so a tool added later (attaching softkey to the agent's browser by
 * its CDP or BiDi endpoint) finds everything it needs here: it runs page
 * ceremonies through `softkey` (so they reach the event log like the tools'
 * own), answers account choosers with `selectCredential`, has the log
 * `follow` its attachment's events, and registers a cleanup with `onClose`.
 */
import type { SelectCredential } from "../client/index.js";
import type { Softkey } from "../softkey.js";
import { EventLog, SOFTKEY_EVENT_NAMES } from "./eventLog.js";

export class McpSession {
  readonly events = new EventLog();
  /** rpId -> the credential the agent chose for that RP. */
  private readonly chosen = new Map<string, string>();
  private readonly cleanups: (() => void | Promise<void>)[] = [];

  constructor(readonly softkey: Softkey) {
    this.onClose(this.events.follow("softkey", softkey, SOFTKEY_EVENT_NAMES));
  }

  /** The credential chosen for each RP, as `{ rpId: credentialId }`. */
  choices(): Record<string, string> {
    return Object.fromEntries(this.chosen);
  }

  choose(rpId: string, credentialId: string): void {
    this.chosen.set(rpId, credentialId);
  }

  /** Forget the choice for `rpId`; true when there was one. */
  forget(rpId: string): boolean {
    return this.chosen.delete(rpId);
  }

  /**
   * The account chooser of a get() that finds several discoverable credentials: the chosen
   * credential when it is among them, else the first, as a browser's chooser offers it first.
   */
  readonly selectCredential: SelectCredential = (candidates) => {
    const wanted = new Set(this.chosen.values());
    const index = candidates.findIndex((candidate) => wanted.has(candidate.credentialId));
    return index === -1 ? 0 : index;
  };

  /** Run `cleanup` when the session ends (newest first). */
  onClose(cleanup: () => void | Promise<void>): void {
    this.cleanups.push(cleanup);
  }

  async close(): Promise<void> {
    for (const cleanup of this.cleanups.splice(0).reverse()) await cleanup();
  }
}
