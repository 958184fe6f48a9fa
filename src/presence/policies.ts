/**
 * The presence policies softkey ships, one per kind of user: `auto` touches
 * at once (for CI, like Chrome's automaticPresenceSimulation), `deny` refuses
 * (CTAP2_ERR_OPERATION_DENIED), `timeout` never answers (the key's
 * user-action timeout runs out: CTAP2_ERR_USER_ACTION_TIMEOUT), and `prompt`
 * asks on the terminal. Built-in UV is a separate switch, for the finger the
 * user presents: `on` (it matches), `off` (no built-in UV, so only a PIN can
 * verify the user) and `fail` (the wrong finger: each attempt costs a uvRetries).
 * On a key with a fingerprint sensor the finger is chosen among its templates:
 * `on` is any enrolled finger, `finger:<name or template ID in hex>` that one
 * (a template the sensor does not hold does not match), `unknown` a finger
 * never enrolled (as `fail`), and `none` no finger at all: the key waits until
 * its user-action timeout. Enrollment samples are good unless a script of
 * sample statuses says otherwise, one per capture.
 */
import type { EnrolledFinger, PresenceRequest, SampleStatus, UserPresence, UvOutcome } from "./presence.js";
import { askOnTerminal } from "./terminalPrompt.js";

export type PresencePolicyName = "auto" | "deny" | "timeout" | "prompt";
export type BuiltInUvMode = "on" | "off" | "fail" | "unknown" | "none" | `finger:${string}`;

export const PRESENCE_POLICIES: readonly PresencePolicyName[] = ["auto", "deny", "timeout", "prompt"];
/** The fixed modes; `finger:<name or template ID>` picks one enrolled finger. */
export const UV_MODES: readonly BuiltInUvMode[] = ["on", "off", "fail", "unknown", "none"];

export const SAMPLE_STATUSES: readonly SampleStatus[] = [
  "fp-good",
  "fp-too-high",
  "fp-too-low",
  "fp-too-left",
  "fp-too-right",
  "fp-too-fast",
  "fp-too-slow",
  "fp-poor-quality",
  "fp-too-skewed",
  "fp-too-short",
  "fp-merge-failure",
  "fp-exists",
  "no-user-activity",
  "no-user-presence-transition",
];

export interface PresenceOptions {
  policy?: PresencePolicyName;
  uv?: BuiltInUvMode;
  /** Enrollment samples in order, one per capture (consumed); once used up, samples are good. */
  samples?: readonly SampleStatus[];
}

export function createPresence(options: PresenceOptions = {}): UserPresence {
  const policy = options.policy ?? "auto";
  const uv = options.uv ?? "on";
  const approve = presenceDecider(policy);
  const decided = policy === "auto" || policy === "deny";
  const samples = [...(options.samples ?? [])];
  return {
    builtInUv: uv !== "off",
    // No finger at all waits like a user who is not there.
    answersImmediately: decided && uv !== "none",
    decidedAnswer: decided ? policy === "auto" : undefined,
    requestPresence: (request) => approve(request, false),
    async verifyUser(request: PresenceRequest): Promise<UvOutcome> {
      // Built-in UV includes the user's gesture: the presence policy decides whether a finger is presented at all.
      if (!(await approve(request, true))) return "refused";
      if (uv === "none") return neverAnswered(request.signal);
      return fingerMatches(uv, request.enrolledFingers) ? "verified" : "failed";
    },
    async captureSample(request: PresenceRequest): Promise<SampleStatus> {
      if (!(await approve(request, true))) return "no-user-activity";
      if (uv === "none") return neverAnswered(request.signal);
      return samples.shift() ?? "fp-good";
    },
  };
}

/** Whether the finger `uv` presents is the owner's: any enrolled one for "on" (any finger on a key without a sensor model). */
function fingerMatches(uv: BuiltInUvMode, enrolled: readonly EnrolledFinger[] | undefined): boolean {
  if (uv === "on") return enrolled === undefined || enrolled.length > 0;
  if (!uv.startsWith("finger:") || !enrolled) return false;
  const wanted = uv.slice("finger:".length);
  return enrolled.some((finger) => finger.id === wanted.toLowerCase() || finger.name === wanted);
}

type Decider = (request: PresenceRequest, verifying: boolean) => Promise<boolean>;

function presenceDecider(policy: PresencePolicyName): Decider {
  switch (policy) {
    case "auto":
      return async (request) => {
        request.signal?.throwIfAborted();
        return true;
      };
    case "deny":
      return async (request) => {
        request.signal?.throwIfAborted();
        return false;
      };
    case "timeout":
      return (request) => neverAnswered<boolean>(request.signal);
    case "prompt":
      return (request, verifying) => askOnTerminal(describe(request, verifying), request.signal);
  }
}

/** A user who is not there: pending until the wait is aborted (by the key's timeout or a host cancel). */
function neverAnswered<T>(signal: AbortSignal | undefined): Promise<T> {
  return new Promise((_resolve, reject) => {
    if (!signal) return;
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

/** The question, e.g. "Register for example.com as Alice", "Sign in for example.com (verify your fingerprint)". */
function describe(request: PresenceRequest, verifying = false): string {
  const what: Record<PresenceRequest["purpose"], string> = {
    makeCredential: "Register",
    getAssertion: "Sign in",
    reset: "RESET the authenticator, deleting every credential",
    selection: "Select this authenticator",
    credentialManagement: "Manage credentials",
    u2fRegister: "Register a U2F key",
    u2fAuthenticate: "Sign in with a U2F key",
    userVerification: "Verify yourself to change the authenticator's data",
    bioEnrollment: "Enroll a fingerprint: touch the sensor",
  };
  const parts = [what[request.purpose]];
  if (request.rpId) parts.push(`for ${request.rpId}`);
  const user = request.userDisplayName || request.userName;
  if (user) parts.push(`as ${user}`);
  if (verifying) parts.push("(verify your fingerprint)");
  if (request.longTouch) parts.push("(hold the touch for 10 seconds)");
  return parts.join(" ");
}

export function parsePresencePolicy(value: string): PresencePolicyName {
  if ((PRESENCE_POLICIES as readonly string[]).includes(value)) return value as PresencePolicyName;
  throw new RangeError(`unknown presence policy "${value}" (expected ${PRESENCE_POLICIES.join(", ")})`);
}

export function parseUvMode(value: string): BuiltInUvMode {
  if ((UV_MODES as readonly string[]).includes(value)) return value as BuiltInUvMode;
  if (/^finger:.+$/.test(value)) return value as BuiltInUvMode;
  throw new RangeError(`unknown built-in UV mode "${value}" (expected ${UV_MODES.join(", ")} or finger:<name or template ID>)`);
}

export function parseSampleStatus(value: string): SampleStatus {
  if ((SAMPLE_STATUSES as readonly string[]).includes(value)) return value as SampleStatus;
  throw new RangeError(`unknown enrollment sample status "${value}" (expected ${SAMPLE_STATUSES.join(", ")})`);
}
