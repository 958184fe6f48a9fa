/**
 * The JSON forms of the ceremony options (WebAuthn L3 section 5.1.10,
 * PublicKeyCredentialCreationOptionsJSON / PublicKeyCredentialRequestOptionsJSON),
 * as @simplewebauthn/server's generateRegistrationOptions and
 * generateAuthenticationOptions produce them, and their conversion into the
 * byte-level options a ceremony works with (what parseCreationOptionsFromJSON
 * and WebIDL conversion do in a browser).
 *
 * Enumerated members are typed as plain strings, as the spec's JSON
 * dictionaries type them: unknown values are ignored, never rejected.
 */
import { fromBase64Url } from "../bytes/base64url.js";
import { WebAuthnError } from "./errors.js";

export type Base64URLString = string;

export interface PublicKeyCredentialDescriptorJSON {
  id: Base64URLString;
  type: string;
  transports?: string[];
}

export interface AuthenticationExtensionsClientInputs {
  credProps?: boolean;
  appid?: string;
  appidExclude?: string;
  hmacCreateSecret?: boolean;
  minPinLength?: boolean;
  /** base64url in the JSON form; the library also takes an ArrayBuffer or a typed array. */
  credBlob?: string;
  getCredBlob?: boolean;
  payment?: { isPayment?: boolean; [member: string]: unknown };
  prf?: unknown;
  largeBlob?: unknown;
  credentialProtectionPolicy?: string;
  enforceCredentialProtectionPolicy?: boolean;
}

export interface AuthenticatorSelectionCriteria {
  authenticatorAttachment?: string;
  residentKey?: string;
  requireResidentKey?: boolean;
  userVerification?: string;
}

export interface PublicKeyCredentialCreationOptionsJSON {
  rp: { id?: string; name: string };
  user: { id: Base64URLString; name: string; displayName: string };
  challenge: Base64URLString;
  pubKeyCredParams: { alg: number; type: string }[];
  timeout?: number;
  excludeCredentials?: PublicKeyCredentialDescriptorJSON[];
  authenticatorSelection?: AuthenticatorSelectionCriteria;
  hints?: string[];
  attestation?: string;
  attestationFormats?: string[];
  extensions?: AuthenticationExtensionsClientInputs;
}

export interface PublicKeyCredentialRequestOptionsJSON {
  challenge: Base64URLString;
  timeout?: number;
  rpId?: string;
  allowCredentials?: PublicKeyCredentialDescriptorJSON[];
  userVerification?: string;
  hints?: string[];
  extensions?: AuthenticationExtensionsClientInputs;
}

/** What create() accepts: the options, the `{ publicKey }` wrapper navigator.credentials takes, or either as a JSON string. */
export type CreationOptionsInput =
  | PublicKeyCredentialCreationOptionsJSON
  | { publicKey: PublicKeyCredentialCreationOptionsJSON }
  | string;
export type RequestOptionsInput =
  | PublicKeyCredentialRequestOptionsJSON
  | { publicKey: PublicKeyCredentialRequestOptionsJSON }
  | string;

export type Requirement = "required" | "preferred" | "discouraged";
export type AttestationConveyance = "none" | "indirect" | "direct" | "enterprise";
export type AuthenticatorAttachment = "platform" | "cross-platform";
/** PublicKeyCredentialHint (WebAuthn L3 section 5.8.8). */
export type Hint = "security-key" | "client-device" | "hybrid";
const HINTS: readonly string[] = ["security-key", "client-device", "hybrid"];

export interface CredentialDescriptor {
  type: "public-key";
  id: Uint8Array;
  transports?: string[];
}

export interface CreationOptions {
  rp: { id?: string; name: string };
  user: { id: Uint8Array; name: string; displayName: string };
  challenge: Uint8Array;
  /** Only "public-key" entries, in the RP's order of preference; ES256 then RS256 when the RP gave none. */
  pubKeyCredParams: { type: "public-key"; alg: number }[];
  timeout?: number;
  excludeCredentials: CredentialDescriptor[];
  authenticatorAttachment?: AuthenticatorAttachment;
  /** Effective value after requireResidentKey (section 5.4.4). */
  residentKey: Requirement;
  userVerification: Requirement;
  attestation: AttestationConveyance;
  /** The RP's attestation statement formats, most preferred first (WebAuthn L3 section 5.4); empty: no preference. */
  attestationFormats: string[];
  /** Known hints, first occurrence only, in the RP's order of preference. */
  hints: Hint[];
  extensions: Record<string, unknown>;
}

export interface RequestOptions {
  challenge: Uint8Array;
  timeout?: number;
  rpId?: string;
  allowCredentials: CredentialDescriptor[];
  userVerification: Requirement;
  hints: Hint[];
  extensions: Record<string, unknown>;
}

const COSE_ES256 = -7;
const COSE_RS256 = -257;
const MAX_USER_ID_BYTES = 64;

export function parseCreationOptionsJSON(input: unknown): CreationOptions {
  const options = unwrap(input, "options");
  const rp = expectObject(options.rp, "rp");
  const user = expectObject(options.user, "user");
  const userId = expectBase64Url(user.id, "user.id");
  if (userId.length < 1 || userId.length > MAX_USER_ID_BYTES) {
    // WebAuthn L3 5.1.3 step 3: user.id must be 1 to 64 bytes.
    throw new WebAuthnError("TypeError", `user.id must be 1 to ${MAX_USER_ID_BYTES} bytes, got ${userId.length}`);
  }
  const selection =
    options.authenticatorSelection === undefined
      ? {}
      : expectObject(options.authenticatorSelection, "authenticatorSelection");
  const requireResidentKey = optionalBoolean(selection.requireResidentKey, "authenticatorSelection.requireResidentKey");
  const attachment = optionalString(selection.authenticatorAttachment, "authenticatorSelection.authenticatorAttachment");
  const rpId = optionalString(rp.id, "rp.id");

  const parsed: CreationOptions = {
    rp: { name: expectString(rp.name, "rp.name"), ...(rpId === undefined ? {} : { id: rpId }) },
    user: {
      id: userId,
      name: expectString(user.name, "user.name"),
      displayName: expectString(user.displayName, "user.displayName"),
    },
    challenge: expectChallenge(options.challenge),
    pubKeyCredParams: parsePubKeyCredParams(options.pubKeyCredParams),
    excludeCredentials: parseDescriptors(options.excludeCredentials, "excludeCredentials"),
    // Section 5.4.4: residentKey wins when it is a known value; otherwise requireResidentKey decides.
    residentKey:
      requirement(selection.residentKey, "authenticatorSelection.residentKey") ??
      (requireResidentKey ? "required" : "discouraged"),
    userVerification: requirement(selection.userVerification, "authenticatorSelection.userVerification") ?? "preferred",
    attestation: attestationConveyance(options.attestation),
    attestationFormats: parseAttestationFormats(options.attestationFormats),
    hints: parseHints(options.hints),
    extensions: parseExtensions(options.extensions),
  };
  const timeout = parseTimeout(options.timeout);
  if (timeout !== undefined) parsed.timeout = timeout;
  if (attachment === "platform" || attachment === "cross-platform") parsed.authenticatorAttachment = attachment;
  return parsed;
}

export function parseRequestOptionsJSON(input: unknown): RequestOptions {
  const options = unwrap(input, "options");
  const parsed: RequestOptions = {
    challenge: expectChallenge(options.challenge),
    allowCredentials: parseDescriptors(options.allowCredentials, "allowCredentials"),
    userVerification: requirement(options.userVerification, "userVerification") ?? "preferred",
    hints: parseHints(options.hints),
    extensions: parseExtensions(options.extensions),
  };
  const rpId = optionalString(options.rpId, "rpId");
  if (rpId !== undefined) parsed.rpId = rpId;
  const timeout = parseTimeout(options.timeout);
  if (timeout !== undefined) parsed.timeout = timeout;
  return parsed;
}

type JsonObject = Record<string, unknown>;

function unwrap(input: unknown, label: string): JsonObject {
  let value = input;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch (cause) {
      throw new WebAuthnError("TypeError", `${label} is a string but not valid JSON`, { cause });
    }
  }
  const object = expectObject(value, label);
  // navigator.credentials.create/get take { publicKey: ... }; accept that shape too.
  if ("publicKey" in object && !("challenge" in object)) return expectObject(object.publicKey, "publicKey");
  return object;
}

function parsePubKeyCredParams(value: unknown): CreationOptions["pubKeyCredParams"] {
  if (!Array.isArray(value)) throw new WebAuthnError("TypeError", "pubKeyCredParams is required and must be an array");
  // Section 5.1.3 step 10: an empty list means the client picks ES256 and RS256.
  if (value.length === 0) {
    return [
      { type: "public-key", alg: COSE_ES256 },
      { type: "public-key", alg: COSE_RS256 },
    ];
  }
  const params: CreationOptions["pubKeyCredParams"] = [];
  value.forEach((entry, i) => {
    const item = expectObject(entry, `pubKeyCredParams[${i}]`);
    const type = expectString(item.type, `pubKeyCredParams[${i}].type`);
    const alg = item.alg;
    if (typeof alg !== "number" || !Number.isInteger(alg) || alg < -(2 ** 31) || alg >= 2 ** 31) {
      throw new WebAuthnError("TypeError", `pubKeyCredParams[${i}].alg must be a COSE algorithm identifier (an integer)`);
    }
    // Unknown credential types are skipped, not rejected.
    if (type === "public-key") params.push({ type, alg });
  });
  if (params.length === 0) {
    throw new WebAuthnError("NotSupportedError", 'pubKeyCredParams has no entry of type "public-key"');
  }
  return params;
}

function parseDescriptors(value: unknown, label: string): CredentialDescriptor[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new WebAuthnError("TypeError", `${label} must be an array`);
  const descriptors: CredentialDescriptor[] = [];
  value.forEach((entry, i) => {
    const item = expectObject(entry, `${label}[${i}]`);
    const type = expectString(item.type, `${label}[${i}].type`);
    const id = expectBase64Url(item.id, `${label}[${i}].id`);
    let transports: string[] | undefined;
    if (item.transports !== undefined) {
      if (!Array.isArray(item.transports) || item.transports.some((t) => typeof t !== "string")) {
        throw new WebAuthnError("TypeError", `${label}[${i}].transports must be an array of strings`);
      }
      transports = item.transports as string[];
    }
    if (type !== "public-key") return;
    descriptors.push({ type, id, ...(transports ? { transports } : {}) });
  });
  return descriptors;
}

/** Section 5.8.8: unknown hints are ignored, a repeated one counts only where it first appears. */
function parseHints(value: unknown): Hint[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((h) => typeof h !== "string")) throw new WebAuthnError("TypeError", "hints must be an array of strings");
  return [...new Set(value as string[])].filter((h): h is Hint => HINTS.includes(h));
}

function parseAttestationFormats(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((f) => typeof f !== "string")) throw new WebAuthnError("TypeError", "attestationFormats must be an array of strings");
  return [...(value as string[])];
}

function parseExtensions(value: unknown): Record<string, unknown> {
  return value === undefined ? {} : expectObject(value, "extensions");
}

function parseTimeout(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new WebAuthnError("TypeError", "timeout must be a non-negative number of milliseconds");
  }
  // 0 is no usable timeout; treat it as absent so the client default applies.
  return value === 0 ? undefined : value;
}

function requirement(value: unknown, label: string): Requirement | undefined {
  const text = optionalString(value, label);
  return text === "required" || text === "preferred" || text === "discouraged" ? text : undefined;
}

function attestationConveyance(value: unknown): AttestationConveyance {
  const text = optionalString(value, "attestation");
  return text === "indirect" || text === "direct" || text === "enterprise" ? text : "none";
}

function expectChallenge(value: unknown): Uint8Array {
  if (value === undefined) throw new WebAuthnError("TypeError", "challenge is required");
  const challenge = expectBase64Url(value, "challenge");
  if (challenge.length === 0) throw new WebAuthnError("TypeError", "challenge is empty");
  return challenge;
}

function expectBase64Url(value: unknown, label: string): Uint8Array {
  const text = expectString(value, label);
  try {
    return fromBase64Url(text);
  } catch (cause) {
    throw new WebAuthnError("EncodingError", `${label} is not valid base64url: "${truncate(text)}"`, { cause });
  }
}

function expectObject(value: unknown, label: string): JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new WebAuthnError("TypeError", `${label} is required and must be an object`);
  }
  return value as JsonObject;
}

function expectString(value: unknown, label: string): string {
  if (typeof value !== "string") throw new WebAuthnError("TypeError", `${label} is required and must be a string`);
  return value;
}

function optionalString(value: unknown, label: string): string | undefined {
  return value === undefined ? undefined : expectString(value, label);
}

function optionalBoolean(value: unknown, label: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "boolean") throw new WebAuthnError("TypeError", `${label} must be a boolean`);
  return value;
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
