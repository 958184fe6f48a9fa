/**
 * Turning the RP's userVerification / residentKey wishes into CTAP options
 * for this authenticator, from what getInfo says it can do (CTAP 2.1
 * section 6.4 options "uv", "rk", "clientPin", "makeCredUvNotRqd").
 */
import { option, type AuthenticatorInfo } from "./ctap/authenticatorGetInfo.js";
import { WebAuthnError } from "./errors.js";
import type { Requirement } from "./optionsJSON.js";

export type Ceremony = "create" | "get";

/** Whether to send options.uv = true. Throws NotAllowedError when UV is required but unavailable. */
export function resolveUserVerification(
  requirement: Requirement,
  info: AuthenticatorInfo,
  ceremony: Ceremony,
  residentKey = false,
): boolean {
  const builtInUv = option(info, "uv") === true;
  if (requirement === "required" && !builtInUv) {
    throw new WebAuthnError(
      "NotAllowedError",
      option(info, "clientPin") === true
        ? "user verification required but the authenticator has no built-in UV and no PIN support yet"
        : "user verification required but the authenticator offers no user verification",
    );
  }
  if (!builtInUv) return false;
  if (requirement !== "discouraged") return true;
  // CTAP 2.1 6.1.2 step 6: a UV-protected authenticator refuses makeCredential without UV
  // (CTAP2_ERR_PUAT_REQUIRED) unless makeCredUvNotRqd lets it off for non-discoverable
  // credentials. Chrome verifies anyway in that case, and so do we.
  return ceremony === "create" && (residentKey || option(info, "makeCredUvNotRqd") !== true);
}

/** Whether to send options.rk = true. Throws NotAllowedError when rk is required but unsupported. */
export function resolveResidentKey(requirement: Requirement, info: AuthenticatorInfo): boolean {
  const supported = option(info, "rk") === true;
  if (requirement === "required" && !supported) {
    // WebAuthn L3 5.1.3 skips such an authenticator; with no other one the ceremony ends in
    // NotAllowedError, which is what Chrome reports at once.
    throw new WebAuthnError(
      "NotAllowedError",
      "a discoverable credential (residentKey required) was requested but the authenticator cannot store one",
    );
  }
  return requirement !== "discouraged" && supported;
}
