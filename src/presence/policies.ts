/**
 * The presence policies softkey ships: `auto` approves at once (for CI, like
 * Chrome's automaticPresenceSimulation), `deny` is a user who refuses, and
 * `prompt` asks on the terminal. Built-in UV is a separate switch: `on`
 * (a simulated fingerprint that always matches), `off` (no built-in UV, so only
 * a PIN can verify the user) and `fail` (the match always fails).
 */
import type { PresenceRequest, UserPresence, UvOutcome } from "./presence.js";
import { askOnTerminal } from "./terminalPrompt.js";

export type PresencePolicyName = "auto" | "deny" | "prompt";
export type BuiltInUvMode = "on" | "off" | "fail";

export const PRESENCE_POLICIES: readonly PresencePolicyName[] = ["auto", "deny", "prompt"];
export const UV_MODES: readonly BuiltInUvMode[] = ["on", "off", "fail"];

export interface PresenceOptions {
  policy?: PresencePolicyName;
  uv?: BuiltInUvMode;
}

export function createPresence(options: PresenceOptions = {}): UserPresence {
  const policy = options.policy ?? "auto";
  const uv = options.uv ?? "on";
  const approve = presenceDecider(policy);
  return {
    builtInUv: uv !== "off",
    answersImmediately: policy !== "prompt",
    decidedAnswer: policy === "prompt" ? undefined : policy === "auto",
    requestPresence: approve,
    async verifyUser(request: PresenceRequest): Promise<UvOutcome> {
      // Built-in UV includes the user's gesture, so the presence policy still decides.
      if (!(await approve(request))) return "failed";
      return uv === "on" ? "verified" : "failed";
    },
  };
}

function presenceDecider(policy: PresencePolicyName): (request: PresenceRequest) => Promise<boolean> {
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
    case "prompt":
      return (request) => askOnTerminal(describe(request), request.signal);
  }
}

function describe(request: PresenceRequest): string {
  const what: Record<PresenceRequest["purpose"], string> = {
    makeCredential: "Create a passkey",
    getAssertion: "Sign in",
    reset: "RESET the authenticator, deleting every credential",
    selection: "Select this authenticator",
    credentialManagement: "Manage credentials",
    u2fRegister: "Register a U2F key",
    u2fAuthenticate: "Sign in with a U2F key",
  };
  const parts = [what[request.purpose]];
  if (request.rpId) parts.push(`for ${request.rpId}`);
  const user = request.userDisplayName || request.userName;
  if (user) parts.push(`as ${user}`);
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
