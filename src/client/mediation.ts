/**
 * The mediation a ceremony asks for (CredentialCreationOptions /
 * CredentialRequestOptions `mediation`) and the rules that come with it:
 *
 *  - conditional create (WebAuthn L3 section 5.1.3): refused in a
 *    cross-origin frame, and unless the browser recently mediated a sign-in
 *    on the same origin and the user consented (here: a sign-in the test
 *    recorded with `recordMediatedSignIn`); neither user presence nor
 *    verification is asked for, and a required UV is a ConstraintError;
 *  - immediate get (Chrome's `mediation: "immediate"`, the draft's
 *    `uiMode: "immediate"`): no allowCredentials, a user activation, not
 *    together with conditional; with no passkey a provider can offer at
 *    once it fails fast with NotAllowedError;
 *  - conditional get: only discoverable credentials take part.
 *
 * Messages are softkey's reasons; the page sees Chrome's (./pageMessages.ts).
 */
import { WebAuthnError } from "./errors.js";
import { PageMessage } from "./pageMessages.js";

export type CreateMediation = "modal" | "conditional";
export type GetMediation = "modal" | "conditional" | "immediate";

/** How recent a mediated sign-in must be for a conditional create, unless the client says otherwise. */
export const DEFAULT_SIGN_IN_WINDOW_MS = 5 * 60_000;

/** A sign-in the browser mediated (an autofilled password, a passkey): what conditional create builds on. */
export interface MediatedSignIn {
  origin: string;
  /** The account signed in to; when given, a conditional create must be for the same user.name. */
  userName?: string;
  /** Milliseconds since the epoch; default now. */
  at?: number;
}

/** The sign-ins this client mediated, newest last. */
export class MediatedSignIns {
  private readonly records: (MediatedSignIn & { at: number })[] = [];

  constructor(
    readonly windowMs: number = DEFAULT_SIGN_IN_WINDOW_MS,
    private readonly now: () => number = Date.now,
  ) {}

  record(signIn: MediatedSignIn): void {
    const origin = new URL(signIn.origin).origin;
    this.records.push({ origin, at: signIn.at ?? this.now(), ...(signIn.userName !== undefined ? { userName: signIn.userName } : {}) });
    if (this.records.length > 64) this.records.shift();
  }

  /** Whether a sign-in on `origin` (for `userName`, when the sign-in named one) happened within the window. */
  recent(origin: string, userName: string): boolean {
    const since = this.now() - this.windowMs;
    return this.records.some((r) => r.origin === origin && r.at >= since && (r.userName === undefined || r.userName === userName));
  }

  clear(): void {
    this.records.length = 0;
  }
}

export function createMediation(mediation: string | undefined): CreateMediation {
  return mediation === "conditional" ? "conditional" : "modal";
}

export function getMediation(call: { mediation?: string; uiMode?: string }): GetMediation {
  const immediate = call.mediation === "immediate" || call.uiMode === "immediate";
  if (immediate && call.mediation === "conditional") {
    throw new WebAuthnError("NotSupportedError", "immediate mediation cannot be combined with conditional mediation", {
      pageMessage: PageMessage.immediateWithConditional,
    });
  }
  if (immediate) return "immediate";
  return call.mediation === "conditional" ? "conditional" : "modal";
}

/** Section 5.1.3 steps 2 and "If options.mediation is conditional": before anything reaches an authenticator. */
export function checkCreateMediation(
  mediation: CreateMediation,
  call: { origin: string; userActivation?: boolean },
  crossOrigin: boolean,
  userName: string,
  signIns: MediatedSignIns,
): void {
  if (crossOrigin && mediation === "conditional") {
    throw new WebAuthnError("NotAllowedError", "a conditional create is not allowed in a cross-origin frame");
  }
  if (crossOrigin && call.userActivation === false) {
    throw new WebAuthnError("NotAllowedError", "create() in a cross-origin frame needs a user activation (a click), and there was none", {
      pageMessage: PageMessage.crossOriginCreateNeedsActivation,
    });
  }
  if (mediation === "conditional" && !signIns.recent(new URL(call.origin).origin, userName)) {
    throw new WebAuthnError(
      "NotAllowedError",
      `a conditional create needs a sign-in the browser mediated on ${call.origin} for "${userName}" in the last ` +
        `${Math.round(signIns.windowMs / 1000)} s; record one with recordMediatedSignIn() (the user autofilled a password)`,
    );
  }
}

/** Chrome's checks on an immediate get, before any authenticator is asked. */
export function checkImmediateGet(allowCredentials: number, call: { userActivation?: boolean }): void {
  if (allowCredentials > 0) {
    throw new WebAuthnError("NotAllowedError", "immediate mediation does not take allowCredentials", {
      pageMessage: PageMessage.immediateWithAllowCredentials,
    });
  }
  if (call.userActivation === false) {
    throw new WebAuthnError("NotAllowedError", "immediate mediation needs a user activation (a click), and there was none", {
      pageMessage: PageMessage.immediateNeedsActivation,
    });
  }
}

export function noImmediateCredentials(rpId: string): WebAuthnError {
  return new WebAuthnError(
    "NotAllowedError",
    `immediate mediation: no attached platform authenticator's provider holds a passkey for ${rpId} (security keys never count)`,
    { pageMessage: PageMessage.immediateNotFound },
  );
}
