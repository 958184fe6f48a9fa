/**
 * User presence (UP) and user verification (UV): the one interface through
 * which the authenticator asks "is someone there?" and "is it the owner?".
 * Policies implement it; the core never decides these on its own.
 */

/** u2fRegister and u2fAuthenticate are CTAP1/U2F_REGISTER and U2F_AUTHENTICATE (src/authenticator/u2f/). */
export type PresencePurpose = "makeCredential" | "getAssertion" | "reset" | "selection" | "credentialManagement" | "u2fRegister" | "u2fAuthenticate";

/** What the user is asked about; shown by the prompt policy. */
export interface PresenceRequest {
  purpose: PresencePurpose;
  rpId?: string;
  userName?: string;
  userDisplayName?: string;
  /** Aborts a pending wait (CTAPHID_CANCEL); the core then answers CTAP2_ERR_KEEPALIVE_CANCEL. */
  signal?: AbortSignal;
}

/** Outcome of a built-in user verification attempt (a simulated fingerprint or face match). */
export type UvOutcome = "verified" | "failed";

export interface UserPresence {
  /**
   * True for policies that decide without waiting (auto, deny): the core then
   * skips arming a user-action timer, which matters at tens of thousands of
   * ceremonies per second.
   */
  readonly answersImmediately?: boolean;
  /**
   * The answer of a policy that gives the same one to every question (auto:
   * true, deny: false), so the core can take it without a promise chain.
   */
  readonly decidedAnswer?: boolean;
  /** Resolves true when the user confirmed presence, false when they refused. Rejects with an AbortError when cancelled. */
  requestPresence(request: PresenceRequest): Promise<boolean>;
  /**
   * Whether the authenticator has built-in user verification at all (getInfo option "uv").
   * When false, UV can only come from a PIN.
   */
  readonly builtInUv: boolean;
  /** Perform built-in UV. Only called when builtInUv is true. */
  verifyUser(request: PresenceRequest): Promise<UvOutcome>;
}
