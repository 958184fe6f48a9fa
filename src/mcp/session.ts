/**
 * What one MCP connection works on: one open Softkey, the account choices the
 * agent made, and the event log it reads. Tools get the session and nothing
 * else: attach_browser (tools/browser.ts) runs the browser's ceremonies through
 * `softkey`, answers its account choosers with `selectCredential`, logs its
 * attachment's events, and keeps the attachment in `browsers` until the
 * session closes.
 */
import type { SelectCredential } from "../client/index.js";
import type { Softkey } from "../softkey.js";
import { EventLog, SOFTKEY_EVENT_NAMES } from "./eventLog.js";

export class McpSession {
  readonly events = new EventLog();
  /** rpId -> the credential the agent chose for that RP. */
  private readonly chosen = new Map<string, string>();
  private readonly cleanups: (() => void | Promise<void>)[] = [];
  /** Browsers attach_browser attached, by the endpoint it was given; detached when the session ends. */
  readonly browsers = new Map<string, { detach(): Promise<void> }>();

  constructor(readonly softkey: Softkey) {
    this.onClose(this.events.follow("softkey", softkey, SOFTKEY_EVENT_NAMES));
    this.onClose(async () => {
      const attached = [...this.browsers.values()];
      this.browsers.clear();
      await Promise.all(attached.map((browser) => browser.detach()));
    });
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
