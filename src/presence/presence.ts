/**
 * User presence (UP) and user verification (UV): the one interface through
 * which the authenticator asks "is someone there?" and "is it the owner?".
 * Policies implement it; the core never decides these on its own.
 *
 * Three different users hide behind a "no": one who refuses (a request that
 * resolves false, or "refused"), one who never answers (a request that never
 * resolves: the core's user-action timer ends it), and, for built-in UV, one
 * whose finger does not match ("failed", which costs a uvRetries).
 */

/** u2fRegister and u2fAuthenticate are CTAP1/U2F_REGISTER and U2F_AUTHENTICATE (src/authenticator/u2f/). */
export type PresencePurpose =
  | "makeCredential"
  | "getAssertion"
  | "reset"
  | "selection"
  | "credentialManagement"
  | "u2fRegister"
  | "u2fAuthenticate"
  /** Built-in UV for a pinUvAuthToken whose permissions are neither mc, ga nor cm (large blobs, configuration). */
  | "userVerification"
  /** A fingerprint sample for a new template (authenticatorBioEnrollment). */
  | "bioEnrollment";

/** What the user is asked about; shown by the prompt policy. */
export interface PresenceRequest {
  purpose: PresencePurpose;
  rpId?: string;
  userName?: string;
  userDisplayName?: string;
  /** authenticatorReset on a key with longTouchForReset (CTAP 2.2): the user must hold the touch, not tap. */
  longTouch?: boolean;
  /**
   * On a device with a fingerprint sensor (authenticatorBioEnrollment): the templates it holds, each by
   * its ID in hex and its friendly name, so the policy can say whether the finger that touches is one of them.
   */
  enrolledFingers?: readonly EnrolledFinger[];
  /** Aborts a pending wait (CTAPHID_CANCEL, or the user-action timeout); the core then answers the matching status. */
  signal?: AbortSignal;
}

/** A fingerprint template as a policy sees it. */
export interface EnrolledFinger {
  id: string;
  name?: string;
}

/**
 * What a fingerprint sensor reports for one enrollment sample (CTAP 2.2 section 6.7.4's
 * lastEnrollSampleStatus, without its CTAP2_ENROLL_FEEDBACK_ prefix, in kebab case).
 */
export type SampleStatus =
  | "fp-good"
  | "fp-too-high"
  | "fp-too-low"
  | "fp-too-left"
  | "fp-too-right"
  | "fp-too-fast"
  | "fp-too-slow"
  | "fp-poor-quality"
  | "fp-too-skewed"
  | "fp-too-short"
  | "fp-merge-failure"
  | "fp-exists"
  | "no-user-activity"
  | "no-user-presence-transition";

/**
 * Outcome of a built-in user verification attempt (a simulated fingerprint or face match):
 * "verified", the owner's finger; "failed", a finger that did not match (a uvRetries is spent);
 * "refused", the user declined to present one (nothing is spent).
 */
export type UvOutcome = "verified" | "failed" | "refused";

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
  /**
   * Resolves true when the user touched, false when they refused. A user who
   * never answers leaves it pending until `signal` aborts, and then it rejects.
   */
  requestPresence(request: PresenceRequest): Promise<boolean>;
  /**
   * Whether the authenticator has built-in user verification at all (getInfo option "uv").
   * When false, UV can only come from a PIN.
   */
  readonly builtInUv: boolean;
  /** Perform built-in UV (which includes the user's gesture). Only called when builtInUv is true; pending like requestPresence. */
  verifyUser(request: PresenceRequest): Promise<UvOutcome>;
  /**
   * One enrollment sample on a fingerprint sensor: what the sensor made of the finger. Pending like
   * requestPresence while no finger touches. Absent: every sample is good.
   */
  captureSample?(request: PresenceRequest): Promise<SampleStatus>;
}
