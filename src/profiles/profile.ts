/**
 * A device profile: a named, versioned description of the hardware softkey
 * emulates (its AAGUID, attestation, algorithms, transports, what getInfo
 * says, whether it speaks U2F, how it counts signatures, its backup flags).
 * Profiles are plain JSON, so a test team can keep one per key it supports;
 * `validateProfile` checks one field by field and names the first bad one.
 */
import type { AttestationFormatName, CounterMode, FingerprintSensorConfig } from "../authenticator/deviceConfig.js";
import type { RequestCbor } from "../authenticator/params.js";
import { SUPPORTED_ALGORITHMS, CREDENTIAL_ID_LENGTH } from "../crypto/credentialKeys.js";
import { EXTENSIONS } from "../authenticator/extensions/index.js";

export const PROFILE_VERSION = 1;

export const ATTESTATION_FORMATS: readonly AttestationFormatName[] = ["packed", "none", "fido-u2f"];
export const COUNTER_MODES: readonly CounterMode[] = ["per-credential", "global", "zero"];
export const ATTACHMENTS = ["cross-platform", "platform"] as const;
export const TRANSPORTS = ["usb", "nfc", "ble", "smart-card", "hybrid", "internal"] as const;
export const VERSIONS = ["U2F_V2", "FIDO_2_0", "FIDO_2_1_PRE", "FIDO_2_1", "FIDO_2_2", "FIDO_2_3"] as const;
export const REQUEST_CBOR: readonly RequestCbor[] = ["canonical", "lenient"];
/** getInfo options a profile may set; the rest (clientPin, pinUvAuthToken, alwaysUv, ...) follow the device's state. */
export const PROFILE_OPTIONS = ["uv", "plat", "rk", "credMgmt", "authnrCfg", "largeBlobs", "setMinPINLength", "perCredMgmtRO", "bioEnroll"] as const;
/** Fields a profile's getInfo may give beyond CTAP 2.1's. */
const CTAP22_FIELDS = ["attestationFormats", "longTouchForReset", "transportsForReset", "maxPINLength", "pinComplexityPolicy", "vendorPrototypeConfigCommands", "fingerprintSensor"] as const;

export type ProfileOption = (typeof PROFILE_OPTIONS)[number];

export interface ProfileGetInfo {
  versions?: string[];
  /**
   * uv: true is built-in user verification (then --uv on|off|fail plays the user); false or absent: none.
   * plat, rk: as getInfo reports them (rk false refuses discoverable credentials).
   * credMgmt, authnrCfg, largeBlobs, setMinPINLength: false leaves the feature out of getInfo.
   * perCredMgmtRO (CTAP 2.2): true offers the persistent token (pcmr) and getInfo's encrypted members.
   * bioEnroll: true is a fingerprint sensor (authenticatorBioEnrollment); built-in UV is configured once a finger is enrolled.
   */
  options?: Partial<Record<ProfileOption, boolean>>;
  /** A subset of the implemented extensions; absent offers all of them. */
  extensions?: string[];
  maxCredentialCountInList?: number;
  maxCredentialIdLength?: number;
  /** getInfo's remainingDiscoverableCredentials is this minus the discoverable credentials stored. */
  maxDiscoverableCredentials?: number;
  firmwareVersion?: number;
  /** CTAP 2.2 members (reported only with FIDO_2_2 or FIDO_2_3 in versions). Formats the device makes, the profile's own first. */
  attestationFormats?: AttestationFormatName[];
  longTouchForReset?: boolean;
  /** Transports authenticatorReset is allowed on; absent: every one. */
  transportsForReset?: string[];
  /** The longest PIN, in code points (4-63). */
  maxPINLength?: number;
  /** The device has a PIN complexity policy: on from the start or not (setMinPINLength turns it on), and the URL that describes it. */
  pinComplexityPolicy?: { enabled: boolean; url?: string };
  vendorPrototypeConfigCommands?: number[];
  /** The fingerprint sensor of a profile with options.bioEnroll (defaults: a YubiKey Bio-like sensor). */
  fingerprintSensor?: Partial<FingerprintSensorConfig>;
}

export interface Profile {
  profileVersion: 1;
  name: string;
  description?: string;
  aaguid: string;
  attestation: { format: AttestationFormatName; subject?: string };
  algorithms: number[];
  transports: string[];
  /** Absent: a CTAP1/U2F-only key (no CTAP2 at all), which needs u2f true. */
  getInfo?: ProfileGetInfo;
  u2f: boolean;
  counter: CounterMode;
  /** Backup flags new credentials get (BS requires BE). */
  backup: { eligible: boolean; state: boolean };
  attachment: (typeof ATTACHMENTS)[number];
  enterpriseRpIds?: string[];
  /**
   * How request CBOR is read: "canonical" (the default) refuses what CTAP 2.2 section 8 forbids, as a
   * key does (CTAP2_ERR_INVALID_CBOR); "lenient" accepts non-canonical requests from clients known to be sloppy.
   */
  requestCbor?: RequestCbor;
}

/** A profile that fails validation; `field` is the path of the first bad field, e.g. profile.getInfo.maxCredentialIdLength. */
export class ProfileError extends Error {
  override name = "ProfileError";
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

type Json = Record<string, unknown>;

/** Check a parsed JSON value field by field and return it as a Profile; throws ProfileError naming the first bad field. */
export function validateProfile(value: unknown): Profile {
  const root = object(value, "profile");
  allowOnly(root, "profile", [
    "profileVersion",
    "name",
    "description",
    "aaguid",
    "attestation",
    "algorithms",
    "transports",
    "getInfo",
    "u2f",
    "counter",
    "backup",
    "attachment",
    "enterpriseRpIds",
    "requestCbor",
  ]);
  if (root.profileVersion !== PROFILE_VERSION) {
    throw new ProfileError("profile.profileVersion", `expected ${PROFILE_VERSION}${root.profileVersion === undefined ? " (missing)" : `, got ${show(root.profileVersion)}`}`);
  }
  const name = string(root.name, "profile.name");
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
    throw new ProfileError("profile.name", "expected letters, digits, '.', '_' or '-' (at most 64, starting with a letter or digit)");
  }
  const profile: Profile = {
    profileVersion: PROFILE_VERSION,
    name,
    aaguid: uuid(root.aaguid, "profile.aaguid"),
    attestation: attestation(root.attestation),
    algorithms: algorithms(root.algorithms),
    transports: uniqueChoices(root.transports, "profile.transports", TRANSPORTS, { nonEmpty: true }),
    u2f: boolean(root.u2f, "profile.u2f"),
    counter: choice(root.counter, "profile.counter", COUNTER_MODES),
    backup: backup(root.backup),
    attachment: choice(root.attachment, "profile.attachment", ATTACHMENTS),
  };
  if (root.description !== undefined) profile.description = string(root.description, "profile.description");
  if (root.enterpriseRpIds !== undefined) profile.enterpriseRpIds = strings(root.enterpriseRpIds, "profile.enterpriseRpIds");
  if (root.getInfo !== undefined) profile.getInfo = getInfo(root.getInfo, profile.u2f);
  if (root.requestCbor !== undefined) profile.requestCbor = choice(root.requestCbor, "profile.requestCbor", REQUEST_CBOR);

  // What holds between fields.
  if (!profile.getInfo) {
    if (!profile.u2f) throw new ProfileError("profile.getInfo", "missing: a profile without getInfo is a CTAP1/U2F-only key and needs \"u2f\": true");
    if (profile.algorithms.length !== 1 || profile.algorithms[0] !== -7) {
      throw new ProfileError("profile.algorithms", "a CTAP1/U2F-only key (no getInfo) signs with ES256 only: expected [-7]");
    }
  }
  if (profile.u2f && !profile.algorithms.includes(-7)) throw new ProfileError("profile.algorithms", "u2f needs ES256 (-7)");
  return profile;
}

function attestation(value: unknown): Profile["attestation"] {
  const field = "profile.attestation";
  const map = object(value, field);
  allowOnly(map, field, ["format", "subject"]);
  const result: Profile["attestation"] = { format: choice(map.format, `${field}.format`, ATTESTATION_FORMATS) };
  if (map.subject !== undefined) result.subject = string(map.subject, `${field}.subject`);
  return result;
}

function algorithms(value: unknown): number[] {
  const field = "profile.algorithms";
  if (!Array.isArray(value) || value.length === 0) throw new ProfileError(field, `expected a non-empty array of COSE algorithm identifiers, e.g. [-7, -8]${got(value)}`);
  value.forEach((alg, i) => {
    if (!Number.isInteger(alg)) throw new ProfileError(`${field}[${i}]`, `expected an integer COSE algorithm identifier${got(alg)}`);
    if (!SUPPORTED_ALGORITHMS.includes(alg as number)) {
      throw new ProfileError(`${field}[${i}]`, `softkey implements ${SUPPORTED_ALGORITHMS.join(", ")}, not ${show(alg)}`);
    }
  });
  if (new Set(value).size !== value.length) throw new ProfileError(field, "lists an algorithm twice");
  return [...(value as number[])];
}

function backup(value: unknown): Profile["backup"] {
  const field = "profile.backup";
  const map = object(value, field);
  allowOnly(map, field, ["eligible", "state"]);
  const result = { eligible: boolean(map.eligible, `${field}.eligible`), state: boolean(map.state, `${field}.state`) };
  if (result.state && !result.eligible) throw new ProfileError(`${field}.state`, "true needs eligible true (WebAuthn L3: BS=1 requires BE=1)");
  return result;
}

function getInfo(value: unknown, u2f: boolean): ProfileGetInfo {
  const field = "profile.getInfo";
  const map = object(value, field);
  allowOnly(map, field, ["versions", "options", "extensions", "maxCredentialCountInList", "maxCredentialIdLength", "maxDiscoverableCredentials", "firmwareVersion", ...CTAP22_FIELDS], {
    remainingDiscoverableCredentials: "not a profile field: give maxDiscoverableCredentials (getInfo reports it minus the credentials stored)",
  });
  const result: ProfileGetInfo = {};
  if (map.versions !== undefined) {
    const versions = uniqueChoices(map.versions, `${field}.versions`, VERSIONS, { nonEmpty: true });
    if (!versions.some((v) => v.startsWith("FIDO_2"))) throw new ProfileError(`${field}.versions`, "a profile with getInfo speaks CTAP2: include FIDO_2_0 or FIDO_2_1");
    if (versions.includes("U2F_V2") !== u2f) {
      throw new ProfileError(`${field}.versions`, u2f ? 'must include "U2F_V2" when u2f is true' : 'has "U2F_V2" but u2f is false');
    }
    result.versions = versions;
  }
  if (map.options !== undefined) {
    const options = object(map.options, `${field}.options`);
    allowOnly(options, `${field}.options`, PROFILE_OPTIONS);
    result.options = {};
    for (const [name, on] of Object.entries(options)) result.options[name as ProfileOption] = boolean(on, `${field}.options.${name}`);
  }
  if (map.extensions !== undefined) {
    result.extensions = uniqueChoices(map.extensions, `${field}.extensions`, EXTENSIONS.map((e) => e.name), { nonEmpty: false });
  }
  if (map.maxCredentialCountInList !== undefined) result.maxCredentialCountInList = positiveInteger(map.maxCredentialCountInList, `${field}.maxCredentialCountInList`);
  if (map.maxCredentialIdLength !== undefined) {
    const length = positiveInteger(map.maxCredentialIdLength, `${field}.maxCredentialIdLength`);
    if (length < CREDENTIAL_ID_LENGTH) {
      throw new ProfileError(`${field}.maxCredentialIdLength`, `softkey's credential IDs are ${CREDENTIAL_ID_LENGTH} bytes: expected at least ${CREDENTIAL_ID_LENGTH}, got ${length}`);
    }
    result.maxCredentialIdLength = length;
  }
  if (map.maxDiscoverableCredentials !== undefined) result.maxDiscoverableCredentials = nonNegativeInteger(map.maxDiscoverableCredentials, `${field}.maxDiscoverableCredentials`);
  if (map.firmwareVersion !== undefined) result.firmwareVersion = nonNegativeInteger(map.firmwareVersion, `${field}.firmwareVersion`);
  ctap22Fields(map, result, field);
  return result;
}

/** The CTAP 2.2 fields of a profile's getInfo. */
function ctap22Fields(map: Json, result: ProfileGetInfo, field: string): void {
  if (map.attestationFormats !== undefined) result.attestationFormats = uniqueChoices(map.attestationFormats, `${field}.attestationFormats`, ATTESTATION_FORMATS, { nonEmpty: true });
  if (map.longTouchForReset !== undefined) result.longTouchForReset = boolean(map.longTouchForReset, `${field}.longTouchForReset`);
  if (map.transportsForReset !== undefined) result.transportsForReset = uniqueChoices(map.transportsForReset, `${field}.transportsForReset`, TRANSPORTS, { nonEmpty: true });
  if (map.maxPINLength !== undefined) {
    const length = positiveInteger(map.maxPINLength, `${field}.maxPINLength`);
    if (length < 4 || length > 63) throw new ProfileError(`${field}.maxPINLength`, `expected 4 to 63 (newPinEnc holds 63 bytes), got ${length}`);
    result.maxPINLength = length;
  }
  if (map.pinComplexityPolicy !== undefined) {
    const policy = object(map.pinComplexityPolicy, `${field}.pinComplexityPolicy`);
    allowOnly(policy, `${field}.pinComplexityPolicy`, ["enabled", "url"]);
    result.pinComplexityPolicy = { enabled: boolean(policy.enabled, `${field}.pinComplexityPolicy.enabled`) };
    if (policy.url !== undefined) result.pinComplexityPolicy.url = string(policy.url, `${field}.pinComplexityPolicy.url`);
  }
  if (map.vendorPrototypeConfigCommands !== undefined) {
    const ids = map.vendorPrototypeConfigCommands;
    if (!Array.isArray(ids)) throw new ProfileError(`${field}.vendorPrototypeConfigCommands`, `expected an array of vendorCommandIds${got(ids)}`);
    result.vendorPrototypeConfigCommands = ids.map((id, i) => nonNegativeInteger(id, `${field}.vendorPrototypeConfigCommands[${i}]`));
  }
  if (map.fingerprintSensor !== undefined) {
    const sensor = object(map.fingerprintSensor, `${field}.fingerprintSensor`);
    const names = ["fingerprintKind", "maxCaptureSamplesRequiredForEnroll", "maxTemplateFriendlyName", "maxTemplates", "preferredPlatformUvAttempts", "uvModality"] as const;
    allowOnly(sensor, `${field}.fingerprintSensor`, names);
    result.fingerprintSensor = {};
    for (const name of names) if (sensor[name] !== undefined) result.fingerprintSensor[name] = positiveInteger(sensor[name], `${field}.fingerprintSensor.${name}`);
    if (!(result.options?.bioEnroll ?? false)) throw new ProfileError(`${field}.fingerprintSensor`, "needs options.bioEnroll true");
  }
  if (result.options?.bioEnroll && !result.options.uv) throw new ProfileError(`${field}.options.bioEnroll`, "a fingerprint sensor is built-in user verification: needs options.uv true");
}

// ---- field checks --------------------------------------------------------------

function object(value: unknown, field: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ProfileError(field, `expected an object${got(value)}`);
  return value as Json;
}

function allowOnly(map: Json, field: string, allowed: readonly string[], hints: Record<string, string> = {}): void {
  for (const key of Object.keys(map)) {
    if (allowed.includes(key)) continue;
    throw new ProfileError(`${field}.${key}`, hints[key] ?? `unknown field (expected one of ${allowed.join(", ")})`);
  }
}

function string(value: unknown, field: string): string {
  if (typeof value !== "string" || value.trim() === "") throw new ProfileError(field, `expected a non-empty string${got(value)}`);
  return value;
}

function strings(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) throw new ProfileError(field, `expected an array of strings${got(value)}`);
  return value.map((item, i) => string(item, `${field}[${i}]`));
}

function boolean(value: unknown, field: string): boolean {
  if (typeof value !== "boolean") throw new ProfileError(field, `expected true or false${got(value)}`);
  return value;
}

function positiveInteger(value: unknown, field: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1) throw new ProfileError(field, `expected a positive integer${got(value)}`);
  return value as number;
}

function nonNegativeInteger(value: unknown, field: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw new ProfileError(field, `expected a non-negative integer${got(value)}`);
  return value as number;
}

function choice<T extends string>(value: unknown, field: string, choices: readonly T[]): T {
  if (typeof value !== "string" || !(choices as readonly string[]).includes(value)) {
    throw new ProfileError(field, `expected one of ${choices.map((c) => `"${c}"`).join(", ")}${got(value)}`);
  }
  return value as T;
}

function uniqueChoices<T extends string>(value: unknown, field: string, choices: readonly T[], options: { nonEmpty: boolean }): T[] {
  if (!Array.isArray(value) || (options.nonEmpty && value.length === 0)) {
    throw new ProfileError(field, `expected ${options.nonEmpty ? "a non-empty" : "an"} array of ${choices.map((c) => `"${c}"`).join(", ")}${got(value)}`);
  }
  const result = value.map((item, i) => choice(item, `${field}[${i}]`, choices));
  if (new Set(result).size !== result.length) throw new ProfileError(field, "lists a value twice");
  return result;
}

function uuid(value: unknown, field: string): string {
  if (typeof value !== "string" || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) {
    throw new ProfileError(field, `expected a UUID such as "00000000-0000-0000-0000-000000000000"${got(value)}`);
  }
  return value.toLowerCase();
}

function got(value: unknown): string {
  return value === undefined ? " (missing)" : `, got ${show(value)}`;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
