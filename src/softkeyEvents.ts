/**
 * What a Softkey tells its listeners (`softkey.on(name, listener)`): every
 * create and get run through it, from start to success or failure, and every
 * credential deleted through it. Events name the ceremony, never its secrets:
 * no challenge, no user, no key, no PIN, no error message (only its name).
 */
import type { WebAuthnErrorName } from "./client/errors.js";

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
}

export interface CredentialDeletedEvent {
  credentialId: string;
  /** The RP the credential belonged to, when the store still knew it. */
  rpId?: string;
}

export interface SoftkeyEvents {
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
