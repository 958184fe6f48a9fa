/**
 * The presence policies softkey ships, one per kind of user: `auto` touches
 * at once (for CI, like Chrome's automaticPresenceSimulation), `deny` refuses
 * (CTAP2_ERR_OPERATION_DENIED), `timeout` never answers (the key's
 * user-action timeout runs out: CTAP2_ERR_USER_ACTION_TIMEOUT), and `prompt`
 * asks on the terminal. Built-in UV is a separate switch, for the finger the
 * user presents: `on` (it matches), `off` (no built-in UV, so only a PIN can
 * verify the user) and `fail` (the wrong finger: each attempt costs a uvRetries).
 */
import type { PresenceRequest, UserPresence, UvOutcome } from "./presence.js";
import { askOnTerminal } from "./terminalPrompt.js";

export type PresencePolicyName = "auto" | "deny" | "timeout" | "prompt";
export type BuiltInUvMode = "on" | "off" | "fail";

export const PRESENCE_POLICIES: readonly PresencePolicyName[] = ["auto", "deny", "timeout", "prompt"];
export const UV_MODES: readonly BuiltInUvMode[] = ["on", "off", "fail"];

export interface PresenceOptions {
  policy?: PresencePolicyName;
  uv?: BuiltInUvMode;
}

export function createPresence(options: PresenceOptions = {}): UserPresence {
  const policy = options.policy ?? "auto";
  const uv = options.uv ?? "on";
  const approve = presenceDecider(policy);
  const decided = policy === "auto" || policy === "deny";
  return {
    builtInUv: uv !== "off",
    answersImmediately: decided,
    decidedAnswer: decided ? policy === "auto" : undefined,
    requestPresence: (request) => approve(request, false),
    async verifyUser(request: PresenceRequest): Promise<UvOutcome> {
      // Built-in UV includes the user's gesture: the presence policy decides whether a finger is presented at all.
      if (!(await approve(request, true))) return "refused";
      return uv === "on" ? "verified" : "failed";
    },
  };
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
      return (request) => neverAnswered(request.signal);
    case "prompt":
      return (request, verifying) => askOnTerminal(describe(request, verifying), request.signal);
  }
}

/** A user who is not there: pending until the wait is aborted (by the key's timeout or a host cancel). */
function neverAnswered(signal: AbortSignal | undefined): Promise<boolean> {
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
  };
  const parts = [what[request.purpose]];
  if (request.rpId) parts.push(`for ${request.rpId}`);
  const user = request.userDisplayName || request.userName;
  if (user) parts.push(`as ${user}`);
  if (verifying) parts.push("(verify your fingerprint)");
  return parts.join(" ");
}

export function parsePresencePolicy(value: string): PresencePolicyName {
  if ((PRESENCE_POLICIES as readonly string[]).includes(value)) return value as PresencePolicyName;
  throw new RangeError(`unknown presence policy "${value}" (expected ${PRESENCE_POLICIES.join(", ")})`);
}

export function parseUvMode(value: string): BuiltInUvMode {
  if ((UV_MODES as readonly string[]).includes(value)) return value as BuiltInUvMode;
  throw new RangeError(`unknown built-in UV mode "${value}" (expected ${UV_MODES.join(", ")})`);
}
