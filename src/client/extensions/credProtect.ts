/**
 * credProtect's client inputs (CTAP 2.1 section 12.1):
 * credentialProtectionPolicy names the level, and
 * enforceCredentialProtectionPolicy says whether an authenticator that
 * cannot honour a level above one may still be used. There is no client
 * output (Chrome's AuthenticationExtensionsClientOutputs has none either).
 *
 * Without a policy Chrome still asks for one on discoverable credentials
 * (content/browser/webauth/authenticator_common_impl.cc and
 * cred_protect.md): level 3 for residentKey "required" with
 * userVerification "preferred", so a key picked up off the ground cannot
 * sign in without UV; level 2 for any other non-discouraged residentKey.
 * We do the same, so credentials made here behave as Chrome's would.
 */
import { CredProtect } from "../../ctap/credProtect.js";
import { WebAuthnError } from "../errors.js";
import type { Requirement } from "../optionsJSON.js";
import type { ClientExtension } from "./extension.js";
import { optionalBoolean, optionalString } from "./inputs.js";

/** credentialProtectionPolicy values: the names of the credProtect levels. */
export type CredProtectPolicy = keyof typeof CredProtect;

export interface CredProtectRequest {
  level: number;
  /** The RP asked for the level (rather than Chrome's default for discoverable credentials). */
  explicit: boolean;
  enforce: boolean;
}

export const credProtectExtension: ClientExtension = {
  name: "credProtect",
  identifiers: ["credentialProtectionPolicy", "enforceCredentialProtectionPolicy"],
  create({ options }) {
    const request = credProtectRequest(options.extensions, options.residentKey, options.userVerification);
    if (!request) return undefined;
    let level: number | undefined;
    return {
      plan({ info }) {
        level = credProtectInput(request, info.extensions.includes("credProtect"));
        return undefined;
      },
      inputs: () => (level === undefined ? {} : { credProtect: level }),
    };
  },
};

export function credProtectRequest(
  extensions: Record<string, unknown>,
  residentKey: Requirement,
  userVerification: Requirement,
): CredProtectRequest | undefined {
  const policy = optionalString(extensions.credentialProtectionPolicy, "extensions.credentialProtectionPolicy");
  const enforce = optionalBoolean(extensions.enforceCredentialProtectionPolicy, "extensions.enforceCredentialProtectionPolicy") ?? false;
  // An unknown policy is ignored, as unknown enumeration values are in the JSON forms.
  if (policy !== undefined && Object.hasOwn(CredProtect, policy)) {
    return { level: CredProtect[policy as CredProtectPolicy], explicit: true, enforce };
  }
  if (residentKey === "required" && userVerification === "preferred") {
    return { level: CredProtect.userVerificationRequired, explicit: false, enforce: false };
  }
  if (residentKey !== "discouraged") {
    return { level: CredProtect.userVerificationOptionalWithCredentialIDList, explicit: false, enforce: false };
  }
  return undefined;
}

/** The authenticator input to send, or undefined; refuses an enforced level the authenticator cannot keep. */
export function credProtectInput(request: CredProtectRequest | undefined, supported: boolean): number | undefined {
  if (!request) return undefined;
  if (!supported) {
    if (request.enforce && request.level > CredProtect.userVerificationOptional) {
      throw new WebAuthnError(
        "NotAllowedError",
        "enforceCredentialProtectionPolicy is set but the authenticator does not support credProtect",
      );
    }
    return undefined;
  }
  return request.level;
}
