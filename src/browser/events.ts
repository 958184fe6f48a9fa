/**
 * What an attached softkey tells the test, with the page and frame each
 * ceremony came from (each adapter's own page and frame objects: P and F).
 * The emitter, with Playwright's `waitForEvent(name, predicate | { predicate,
 * timeout })`, is src/typedEvents.ts; deletions are the Softkey's own event,
 * passed on as they are.
 */
import type { AuthenticationResponseJSON, RegistrationResponseJSON, WebAuthnErrorName } from "../client/index.js";
import type { CredentialDeletedEvent, ProviderEvents } from "../softkeyEvents.js";

export { TypedEvents, type WaitForEventOptions } from "../typedEvents.js";
export type { CredentialDeletedEvent };
export type { CredentialHiddenEvent, SignalReceivedEvent, UserDetailsUpdatedEvent } from "../softkeyEvents.js";

/** Where a ceremony came from: the origin is the frame's, as Node saw it. */
export interface CeremonySource<P = unknown, F = unknown> {
  page: P;
  frame: F;
  origin: string;
  /** The top-level origin when the frame is not the top-level frame. */
  topOrigin?: string;
}

export interface CredentialCreatedEvent<P = unknown, F = unknown> extends CeremonySource<P, F> {
  credentialId: string;
  rpId: string;
  userName?: string;
  userDisplayName?: string;
  /** base64url user.id. */
  userHandle?: string;
  discoverable?: boolean;
  response: RegistrationResponseJSON;
}

export interface CredentialAssertedEvent<P = unknown, F = unknown> extends CeremonySource<P, F> {
  credentialId: string;
  rpId: string;
  userHandle?: string;
  /** True when the page asked with mediation "conditional" (autofill). */
  conditional: boolean;
  response: AuthenticationResponseJSON;
}

/** A page is waiting on conditional mediation: `selectAccount()` can answer it now. */
export interface ConditionalRequestEvent<P = unknown, F = unknown> extends CeremonySource<P, F> {
  rpId: string;
}

export interface CeremonyFailedEvent<P = unknown, F = unknown> extends CeremonySource<P, F> {
  ceremony: "create" | "get";
  /** The DOMException name the page rejected with. */
  name: WebAuthnErrorName | string;
  /** The message the page rejected with: Chrome's, which never says why. */
  message: string;
  /** softkey's specific reason, which the page does not see. */
  reason: string;
}

/** The Softkey's own events about signals (credentialHidden, credentialRestored, userDetailsUpdated, signalReceived) are passed on too. */
export interface SoftkeyEventMap<P = unknown, F = unknown> extends ProviderEvents {
  credentialCreated: CredentialCreatedEvent<P, F>;
  credentialAsserted: CredentialAssertedEvent<P, F>;
  credentialDeleted: CredentialDeletedEvent;
  conditionalRequest: ConditionalRequestEvent<P, F>;
  ceremonyFailed: CeremonyFailedEvent<P, F>;
}

export type SoftkeyEventName = keyof SoftkeyEventMap;
