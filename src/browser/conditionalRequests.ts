/**
 * Conditional mediation (autofill): a get() with mediation "conditional" waits,
 * as an autofill prompt would, until the test picks an account with
 * selectAccount() (or autoSelect picks the first); then it runs with that one
 * credential.
 */
import type { CredentialSummary } from "../softkey.js";
import { WebAuthnError, type AuthenticationResponseJSON, type PublicKeyCredentialRequestOptionsJSON } from "../client/index.js";
import type { CeremonySource, ConditionalRequestEvent } from "./events.js";
import { rpIdFor } from "./pageCeremonyEvents.js";

/** Which passkey `selectAccount()` picks; all given fields must match. */
export interface AccountSelector<P = unknown> {
  credentialId?: string;
  userName?: string;
  /** base64url user handle. */
  userHandle?: string;
  /** Answer only a request from this page. */
  page?: P;
}

/** A conditional get() waiting for the user to pick an account. */
export interface PendingConditionalRequest<P = unknown, F = unknown> extends CeremonySource<P, F> {
  rpId: string;
}

export interface ConditionalRequestsOptions<P, F> {
  /** Pick the first passkey that fits as soon as a request arrives. */
  autoSelect: boolean;
  /** The store's credentials of an RP: the account list. */
  credentials(rpId: string): Promise<CredentialSummary[]>;
  /** A request now waits (the attachment's conditionalRequest event). */
  announce(event: ConditionalRequestEvent<P, F>): void;
  /** Whether the request's page or frame is gone (closed, detached): it can never be answered then. */
  gone(source: CeremonySource<P, F>): boolean;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Nobody may be waiting (autoSelect, an aborted request): do not report that as unhandled.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

interface ConditionalEntry<P, F> {
  info: PendingConditionalRequest<P, F>;
  options: PublicKeyCredentialRequestOptionsJSON;
  selection: Deferred<string>;
  outcome: Deferred<AuthenticationResponseJSON>;
}

export class ConditionalRequests<P, F> {
  private readonly entries: ConditionalEntry<P, F>[] = [];

  constructor(private readonly settings: ConditionalRequestsOptions<P, F>) {}

  /** Waits for an account to be picked, then runs `get` restricted to it. A newer request from the same frame supersedes this one. */
  async run(
    ceremony: CeremonySource<P, F>,
    options: PublicKeyCredentialRequestOptionsJSON,
    signal: AbortSignal,
    get: (options: PublicKeyCredentialRequestOptionsJSON) => Promise<AuthenticationResponseJSON>,
  ): Promise<AuthenticationResponseJSON> {
    const rpId = rpIdFor(options.rpId, ceremony.origin);
    // A newer conditional request from the same frame supersedes the older one (a reload, a re-render).
    for (const old of this.entries.filter((c) => c.info.frame === ceremony.frame)) {
      old.selection.reject(new WebAuthnError("NotAllowedError", "superseded by a newer conditional request from the same frame"));
    }
    const entry: ConditionalEntry<P, F> = { info: { ...ceremony, rpId }, options, selection: deferred(), outcome: deferred() };
    const onAbort = (): void => entry.selection.reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    this.entries.push(entry);
    try {
      this.settings.announce({ ...ceremony, rpId });
      if (this.settings.autoSelect) {
        this.pickAccount(entry, {}, { firstOfMany: true }).then(
          (id) => entry.selection.resolve(id),
          () => undefined, // nothing fits yet: keep waiting, as the autofill list would stay empty
        );
      }
      let credentialId: string;
      try {
        credentialId = await entry.selection.promise;
      } finally {
        signal.removeEventListener("abort", onAbort);
        const index = this.entries.indexOf(entry);
        if (index !== -1) this.entries.splice(index, 1);
      }
      const credential = await get({ ...options, allowCredentials: [{ type: "public-key", id: credentialId }] });
      entry.outcome.resolve(credential);
      return credential;
    } catch (error) {
      entry.outcome.reject(error);
      throw error;
    }
  }

  /**
   * Answers the newest pending request (of `account.page`) with the account chosen, or the next
   * one `nextRequest` reports; resolves with what the page receives.
   */
  async select(account: AccountSelector<P>, nextRequest: () => Promise<ConditionalRequestEvent<P, F>>): Promise<AuthenticationResponseJSON> {
    let entry = this.newest(account.page);
    if (!entry) {
      const event = await nextRequest();
      entry = this.entries.find((c) => c.info.frame === event.frame);
      if (!entry) throw new Error("softkey: the conditional request ended before an account was selected");
    }
    const credentialId = await this.pickAccount(entry, account);
    entry.selection.resolve(credentialId);
    return entry.outcome.promise;
  }

  /** Requests waiting for an account, oldest first. */
  pending(): PendingConditionalRequest<P, F>[] {
    this.prune();
    return this.entries.map((c) => c.info);
  }

  /** Ends every waiting request with `error` (detach). */
  rejectAll(error: () => Error): void {
    for (const entry of this.entries.splice(0)) entry.selection.reject(error());
  }

  private async pickAccount(entry: ConditionalEntry<P, F>, account: AccountSelector<P>, options: { firstOfMany?: boolean } = {}): Promise<string> {
    const { rpId } = entry.info;
    const allowed = new Set((entry.options.allowCredentials ?? []).map((d) => d.id));
    const credentials = await this.settings.credentials(rpId);
    // A passkey a signal hid is in no autofill list.
    const candidates = credentials.filter((c) => c.discoverable && !c.hidden && (allowed.size === 0 || allowed.has(c.credentialId)));
    const matches = candidates.filter(
      (c) =>
        (account.credentialId === undefined || c.credentialId === account.credentialId) &&
        (account.userName === undefined || c.userName === account.userName) &&
        (account.userHandle === undefined || c.userHandle === account.userHandle),
    );
    const describe = (): string => candidates.map((c) => `${c.userName ?? "(no name)"} [${c.credentialId}]`).join(", ") || "none";
    if (matches.length === 0) {
      throw new Error(`softkey: no passkey for ${rpId} matches ${JSON.stringify(selectorFields(account))}; the account list holds: ${describe()}`);
    }
    if (matches.length > 1 && !options.firstOfMany) {
      throw new Error(`softkey: several passkeys for ${rpId} match; pass { userName } or { credentialId } to choose one of: ${describe()}`);
    }
    return matches[0]!.credentialId;
  }

  private newest(page: P | undefined): ConditionalEntry<P, F> | undefined {
    this.prune();
    const candidates = this.entries.filter((c) => !page || c.info.page === page);
    return candidates[candidates.length - 1];
  }

  /** Requests whose page or frame is gone can never be answered. */
  private prune(): void {
    for (const entry of [...this.entries]) {
      if (this.settings.gone(entry.info)) {
        entry.selection.reject(new WebAuthnError("NotAllowedError", "the page or frame is gone"));
        this.entries.splice(this.entries.indexOf(entry), 1);
      }
    }
  }
}

function selectorFields(account: AccountSelector): Omit<AccountSelector, "page"> {
  const { page: _page, ...fields } = account;
  return fields;
}
