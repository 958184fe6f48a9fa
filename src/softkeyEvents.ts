/**
 * What a Softkey tells its listeners (`softkey.on(name, listener)`): every
 * create and get run through it, from start to success or failure, every
 * credential deleted through it, and what its store did as a credential
 * provider with the WebAuthn signals it received (hidden, restored,
 * renamed). Events name the ceremony, never its secrets: no challenge, no
 * key, no PIN. A failure carries softkey's specific reason (which the page
 * never sees: it gets Chrome's generic message), and that reason is built by
 * softkey's client, which never puts a secret in one.
 */
import { WebAuthnError, type WebAuthnErrorName } from "./client/errors.js";
import type { SignalName } from "./client/signals.js";

export type CeremonyName = "create" | "get";

export interface CeremonyEvent {
  /** Counts up per Softkey: pairs a ceremony's start with its end when ceremonies overlap. */
  ceremonyId: number;
  ceremony: CeremonyName;
  /** The RP ID the options name, else the origin's host; absent when the call gives neither in a usable form. */
  rpId?: string;
  origin: string;
  topOrigin?: string;
}

/** A create() or get() was called; it may still wait for the one before it. */
export type CeremonyStartEvent = CeremonyEvent;

export interface CeremonySuccessEvent extends CeremonyEvent {
  /** base64url ID of the credential created or asserted. */
  credentialId: string;
}

export interface CeremonyFailureEvent extends CeremonyEvent {
  /** The error's name, as the caller sees it: NotAllowedError, InvalidStateError, ... */
  errorName: WebAuthnErrorName | string;
  /** softkey's specific reason ("no matching credential on the authenticator"), for WebAuthn errors. */
  reason?: string;
  /** What a page sees in Chrome for the same failure (the DOMException's generic message). */
  pageMessage?: string;
}

export interface CredentialDeletedEvent {
  credentialId: string;
  /** The RP the credential belonged to, when the store still knew it. */
  rpId?: string;
}

/** A WebAuthn signal reached the store (whether or not it changed anything). */
export interface SignalReceivedEvent {
  signal: SignalName;
  rpId: string;
}

/** Why a credential was hidden or shown again. */
export type HiddenReason = "signalUnknownCredential" | "signalAllAcceptedCredentials";

/** A credential left every ceremony (it stays in the store, marked hidden), or came back. */
export interface CredentialHiddenEvent {
  credentialId: string;
  rpId: string;
  reason: HiddenReason;
}

/** signalCurrentUserDetails renamed a credential's user. */
export interface UserDetailsUpdatedEvent {
  credentialId: string;
  rpId: string;
  userName: string;
  userDisplayName: string;
}

/** The events the store emits as a credential provider (src/provider/storeProvider.ts). */
export interface ProviderEvents {
  signalReceived: SignalReceivedEvent;
  credentialHidden: CredentialHiddenEvent;
  credentialRestored: CredentialHiddenEvent;
  userDetailsUpdated: UserDetailsUpdatedEvent;
}

export interface SoftkeyEvents extends ProviderEvents {
  ceremonyStart: CeremonyStartEvent;
  ceremonySuccess: CeremonySuccessEvent;
  ceremonyFailure: CeremonyFailureEvent;
  credentialDeleted: CredentialDeletedEvent;
}

/** The start event of a ceremony, from the call as given (the options are not yet checked: read them warily). */
export function ceremonyEvent(
  ceremonyId: number,
  ceremony: CeremonyName,
  options: unknown,
  call: { origin: string; topOrigin?: string },
): CeremonyEvent {
  const rpId = requestedRpId(ceremony, options, call.origin);
  return {
    ceremonyId,
    ceremony,
    ...(rpId === undefined ? {} : { rpId }),
    origin: call.origin,
    ...(call.topOrigin === undefined ? {} : { topOrigin: call.topOrigin }),
  };
}

export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : "Error";
}

/** The failure event's error fields: its name, and for a WebAuthn error the reason and the page's message. */
export function failureOf(error: unknown): Pick<CeremonyFailureEvent, "errorName" | "reason" | "pageMessage"> {
  if (!(error instanceof WebAuthnError)) return { errorName: errorName(error) };
  return { errorName: error.name, reason: error.message, pageMessage: error.pageMessage };
}

function requestedRpId(ceremony: CeremonyName, options: unknown, origin: string): string | undefined {
  const fields = isRecord(options) ? options : {};
  const named = ceremony === "create" ? (isRecord(fields.rp) ? fields.rp.id : undefined) : fields.rpId;
  if (typeof named === "string") return named;
  try {
    return new URL(origin).hostname || undefined;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
