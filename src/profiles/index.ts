/**
 * Profiles: finding one by name or file, and what a profile makes of the
 * authenticator core's configuration and the WebAuthn client's options.
 */
import { readFileSync } from "node:fs";
import { aaguidFromString, defaultAuthenticatorConfig, DEFAULT_FINGERPRINT_SENSOR, type AuthenticatorConfig } from "../authenticator/deviceConfig.js";
import type { WebAuthnClientOptions } from "../client/client.js";
import type { AuthenticatorTransport } from "../client/responseJSON.js";
import { BUILT_IN_PROFILES, DEFAULT_PROFILE } from "./builtIn.js";
import { ProfileError, validateProfile, type Profile } from "./profile.js";

export { BUILT_IN_PROFILES, DEFAULT_PROFILE } from "./builtIn.js";
export { ProfileError, validateProfile, PROFILE_VERSION, type Profile, type ProfileGetInfo } from "./profile.js";

/** A profile file that cannot be read, is not JSON, or is not a valid profile. */
export class ProfileFileError extends Error {
  override name = "ProfileFileError";
}

export function builtInProfile(name: string): Profile | undefined {
  const found = BUILT_IN_PROFILES.find((p) => p.name === name);
  return found && structuredClone(found);
}

export function defaultProfile(): Profile {
  return builtInProfile(DEFAULT_PROFILE)!;
}

/** A built-in profile by name, else a profile JSON file by path. */
export function resolveProfile(nameOrFile: string): Profile {
  return builtInProfile(nameOrFile) ?? loadProfileFile(nameOrFile);
}

export function loadProfileFile(file: string): Profile {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const known = BUILT_IN_PROFILES.map((p) => p.name).join(", ");
    const why = code === "ENOENT" ? `no built-in profile and no file by that name (built-in: ${known})` : (error as Error).message;
    throw new ProfileFileError(`profile ${file}: ${why}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new ProfileFileError(`profile ${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  try {
    return validateProfile(json);
  } catch (error) {
    if (error instanceof ProfileError) throw new ProfileFileError(`invalid profile ${file}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** Optional features that a profile's getInfo options can leave out. */
const FEATURE_OPTIONS = ["credMgmt", "authnrCfg", "largeBlobs", "setMinPINLength"] as const;

/** Features a profile's getInfo options add (CTAP 2.2's persistent token; a fingerprint sensor with its be permission from UV). */
function addedFeatures(options: NonNullable<Profile["getInfo"]>["options"] = {}): string[] {
  return [...(options.perCredMgmtRO ? ["perCredMgmtRO"] : []), ...(options.bioEnroll ? ["bioEnroll", "uvBioEnroll"] : [])];
}

/** The core's configuration for a profile; what the profile leaves out keeps the core's default. */
export function profileConfig(profile: Profile): Partial<AuthenticatorConfig> {
  const defaults = defaultAuthenticatorConfig();
  const info = profile.getInfo;
  const options = info?.options ?? {};
  const config: Partial<AuthenticatorConfig> = {
    aaguid: aaguidFromString(profile.aaguid),
    attestationFormat: profile.attestation.format,
    algorithms: [...profile.algorithms],
    transports: [...profile.transports],
    ctap2: info !== undefined,
    versions: info?.versions ?? [...(profile.u2f ? ["U2F_V2"] : []), "FIDO_2_0", "FIDO_2_1"],
    u2f: profile.u2f,
    counter: profile.counter,
    backupEligible: profile.backup.eligible,
    backupState: profile.backup.state,
    platformDevice: options.plat ?? profile.attachment === "platform",
    residentKeys: options.rk ?? true,
    optionalFeatures: [
      ...defaults.optionalFeatures.filter((feature) => !FEATURE_OPTIONS.some((name) => name === feature && options[name] === false)),
      ...addedFeatures(options),
    ],
    maxCredentialCountInList: info?.maxCredentialCountInList ?? defaults.maxCredentialCountInList,
    maxCredentialIdLength: info?.maxCredentialIdLength ?? defaults.maxCredentialIdLength,
    maxDiscoverableCredentials: info?.maxDiscoverableCredentials ?? defaults.maxDiscoverableCredentials,
    firmwareVersion: info?.firmwareVersion ?? defaults.firmwareVersion,
  };
  if (info?.extensions) config.extensions = [...info.extensions];
  // CTAP 2.2: the formats the device makes, its own first (attestationFormatsPreference picks among them).
  config.attestationFormats = info?.attestationFormats ?? [profile.attestation.format, ...defaults.attestationFormats.filter((f) => f !== profile.attestation.format)];
  if (info?.longTouchForReset !== undefined) config.longTouchForReset = info.longTouchForReset;
  if (info?.transportsForReset) config.transportsForReset = [...info.transportsForReset];
  if (info?.maxPINLength !== undefined) config.maxPinLength = info.maxPINLength;
  if (info?.pinComplexityPolicy) config.pinComplexityPolicy = { ...info.pinComplexityPolicy };
  if (info?.vendorPrototypeConfigCommands) config.vendorPrototypeConfigCommands = [...info.vendorPrototypeConfigCommands];
  if (options.bioEnroll) config.fingerprint = { ...DEFAULT_FINGERPRINT_SENSOR, ...info?.fingerprintSensor };
  if (profile.enterpriseRpIds) config.enterpriseRpIds = [...profile.enterpriseRpIds];
  if (profile.requestCbor) config.requestCbor = profile.requestCbor;
  return config;
}

/** Whether the device has built-in user verification (getInfo option uv). */
export function profileHasBuiltInUv(profile: Profile): boolean {
  return profile.getInfo?.options?.uv === true;
}

/** How the WebAuthn client presents the device: its attachment and the transports it reports. */
export function profileClientOptions(profile: Profile): Pick<WebAuthnClientOptions, "attachment" | "transports"> {
  return { attachment: profile.attachment, transports: [...profile.transports] as AuthenticatorTransport[] };
}
