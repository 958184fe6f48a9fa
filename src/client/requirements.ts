/**
 * The RP's userVerification / residentKey wishes turned into what this
 * authenticator will be asked for, as Chrome turns them
 * (device/fido/make_credential_request_handler.cc,
 * SpecializeRequestForAuthenticator; get_assertion_request_handler.cc):
 *
 *  - residentKey "preferred" makes a discoverable credential only when the
 *    authenticator can store one and the user can be verified (built-in UV,
 *    or a PIN that is set and that this client can supply);
 *  - a discoverable credential, alwaysUv, or a PIN-protected key (unless the
 *    RP discourages UV and makeCredUvNotRqd allows it) make UV required at
 *    registration; hmac-secret (prf) makes "discouraged" "preferred";
 *  - a sign-in without allowCredentials (discoverable credentials) and
 *    alwaysUv make UV required at authentication.
 *
 * userVerification.ts then decides how that requirement is met.
 */
import { option, type AuthenticatorInfo } from "./ctap/authenticatorGetInfo.js";
import { WebAuthnError } from "./errors.js";
import type { Requirement } from "./optionsJSON.js";

/** Whether to send options.rk = true. Throws NotAllowedError when rk is required but unsupported. */
export function resolveResidentKey(requirement: Requirement, info: AuthenticatorInfo, canVerifyUser: boolean): boolean {
  const supported = option(info, "rk") === true;
  if (requirement === "required" && !supported) {
    // WebAuthn L3 5.1.3 skips such an authenticator; with no other one the ceremony ends in
    // NotAllowedError, which is what Chrome reports at once.
    throw new WebAuthnError(
      "NotAllowedError",
      "a discoverable credential (residentKey required) was requested but the authenticator cannot store one",
    );
  }
  if (requirement === "required") return true;
  if (requirement === "discouraged") return false;
  return supported && info.remainingDiscoverableCredentials !== 0 && canVerifyUser;
}

export function registrationUvRequirement(
  requested: Requirement,
  info: AuthenticatorInfo,
  residentKey: boolean,
  /** An extension's output depends on UV (RegistrationPlan.preferUv). */
  preferUv: boolean,
): Requirement {
  if (residentKey || option(info, "alwaysUv") === true) return "required";
  // Two hmac-secret PRFs exist per credential, with and without UV; WebAuthn exposes the UV one.
  const requirement = preferUv && requested === "discouraged" ? "preferred" : requested;
  const withoutUvAllowed = requirement === "discouraged" && option(info, "makeCredUvNotRqd") === true;
  if (option(info, "clientPin") === true && !withoutUvAllowed) return "required";
  return requirement;
}

export function authenticationUvRequirement(requested: Requirement, info: AuthenticatorInfo, discoverable: boolean): Requirement {
  // "Resident credential requests always involve user verification" (Chrome's GetAssertionRequestHandler).
  if (discoverable || option(info, "alwaysUv") === true) return "required";
  return requested;
}
