/**
 * The fixed facts of the emulated device: what getInfo reports and the limits
 * the core enforces. Later, profiles fill this in.
 */
import { DEFAULT_ALGORITHMS } from "../crypto/credentialKeys.js";
import { NO_FAULTS, type ResponseFaults } from "./faultSwitches.js";
import type { GetInfoResponse } from "../ctap/messages/getInfo.js";
import type { RequestCbor } from "./params.js";

/** softkey's own AAGUID, used unless the caller configures another. */
export const SOFTKEY_AAGUID = "1d22abe7-f7cc-493e-8732-2b75abc380a7";

export type AttestationFormatName = "packed" | "none" | "fido-u2f";

/** Signature counters: one per credential, one for the whole device, or always 0 (as synced passkeys report). */
export type CounterMode = "per-credential" | "global" | "zero";

export interface AuthenticatorConfig {
  aaguid: Uint8Array;
  /** COSE algorithms offered, in the authenticator's preference (the request's order still decides). */
  algorithms: readonly number[];
  attestationFormat: AttestationFormatName;
  /** Largest request accepted (CTAPHID's maximum message size). */
  maxMsgSize: number;
  maxCredentialCountInList: number;
  maxCredentialIdLength: number;
  maxDiscoverableCredentials: number;
  transports: readonly string[];
  firmwareVersion: number;
  /** authenticatorReset is only allowed this long after power-up (CTAP 2.1 section 6.6). */
  resetWindowMs: number;
  /** How long a user-presence wait may take before CTAP2_ERR_USER_ACTION_TIMEOUT. */
  userActionTimeoutMs: number;
  /** getNextAssertion state lives this long (CTAP 2.1: 30 seconds). */
  getNextAssertionTimeoutMs: number;
  /**
   * RP IDs that get vendor-facilitated enterprise attestation (CTAP 2.1 section 7.1). Present (even
   * empty) makes the device enterprise attestation capable: getInfo then has "ep"; undefined: not capable.
   */
  enterpriseRpIds?: readonly string[];
  /** getInfo options for commands implemented beside the core ones: "credMgmt", "authnrCfg", "largeBlobs"... */
  optionalFeatures: readonly string[];
  /** Further getInfo members that optional features advertise (e.g. maxSerializedLargeBlobArray). */
  extraInfo: Readonly<Partial<GetInfoResponse>>;
  /** False for a CTAP1/U2F-only key: every CTAP2 command then answers CTAP1_ERR_INVALID_COMMAND. */
  ctap2: boolean;
  /** getInfo versions. */
  versions: readonly string[];
  /** CTAP1/U2F is offered (for the U2F layer: CTAPHID_MSG). */
  u2f: boolean;
  counter: CounterMode;
  /** Backup eligibility (BE) and backup state (BS) that new credentials get; each credential keeps its own. */
  backupEligible: boolean;
  backupState: boolean;
  /** Extensions offered, a subset of the implemented ones; undefined offers them all. Others are ignored as unknown. */
  extensions?: readonly string[];
  /** getInfo "plat": attached to the client device (a platform authenticator). */
  platformDevice: boolean;
  /** getInfo "rk": discoverable credentials; without them makeCredential answers rk=true with UNSUPPORTED_OPTION. */
  residentKeys: boolean;
  /** Switches that make the key answer like a broken one (faults.ts); all off unless a test turns one on. */
  faults: ResponseFaults;
  /**
   * What isBogusSignature sends: "flipped" (the signature with its last byte flipped: a well-formed
   * signature that does not verify) or "zero" (the one byte 0x00, what Chrome's virtual
   * authenticator sends: device/fido/virtual_ctap2_device.cc, `ctap2_invalid_signature`).
   */
  bogusSignature: "flipped" | "zero";
  /** "canonical": non-canonical request CBOR is CTAP2_ERR_INVALID_CBOR, as on a key; "lenient" accepts it (params.ts). */
  requestCbor: RequestCbor;
  /**
   * Attestation formats the device can produce (getInfo attestationFormats, CTAP 2.2): makeCredential's
   * attestationFormatsPreference picks the first of these it names; `attestationFormat` is the default.
   */
  attestationFormats: readonly AttestationFormatName[];
  /** getInfo longTouchForReset (CTAP 2.2): authenticatorReset asks for a long touch instead of a tap. */
  longTouchForReset: boolean;
  /** getInfo transportsForReset (CTAP 2.2): authenticatorReset is refused on other transports; undefined allows every one. */
  transportsForReset?: readonly string[];
  /** getInfo maxPINLength (CTAP 2.2): the longest PIN accepted, in code points (at most 63, what newPinEnc holds). */
  maxPinLength: number;
  /**
   * The PIN complexity policy (CTAP 2.2 getInfo pinComplexityPolicy / pinComplexityPolicyURL): undefined, the device has
   * none; otherwise whether it is on from the start (setMinPINLength's pinComplexityPolicy turns it on) and the URL describing it.
   */
  pinComplexityPolicy?: { enabled: boolean; url?: string };
  /** vendorCommandIds authenticatorConfig's vendorPrototype accepts (getInfo vendorPrototypeConfigCommands, CTAP 2.2). */
  vendorPrototypeConfigCommands: readonly number[];
  /** A fingerprint sensor (authenticatorBioEnrollment): built-in UV is configured once a template is enrolled. */
  fingerprint?: FingerprintSensorConfig;
}

/** The fingerprint sensor of a bio key (CTAP 2.2 section 6.7), as getFingerprintSensorInfo and getInfo describe it. */
export interface FingerprintSensorConfig {
  /** 1: touch, 2: swipe. */
  fingerprintKind: number;
  maxCaptureSamplesRequiredForEnroll: number;
  /** Longest template friendly name, in bytes. */
  maxTemplateFriendlyName: number;
  /** Templates the sensor holds before CTAP2_ERR_FP_DATABASE_FULL. */
  maxTemplates: number;
  /** getInfo preferredPlatformUvAttempts: how often the platform should retry built-in UV before it falls back to the PIN. */
  preferredPlatformUvAttempts: number;
  /** getInfo uvModality (FIDO Registry): 0x02 is fingerprint_internal. */
  uvModality: number;
}

/** A YubiKey Bio-like sensor: touch, 5 good samples to enroll, names up to 15 bytes, 5 templates. */
export const DEFAULT_FINGERPRINT_SENSOR: FingerprintSensorConfig = {
  fingerprintKind: 1,
  maxCaptureSamplesRequiredForEnroll: 5,
  maxTemplateFriendlyName: 15,
  maxTemplates: 5,
  preferredPlatformUvAttempts: 3,
  uvModality: 0x02,
};

/** Whether the device claims CTAP 2.2 (getInfo's FIDO_2_2, or FIDO_2_3 which includes it): its new members are reported then. */
export function claimsCtap22(config: AuthenticatorConfig): boolean {
  return config.versions.includes("FIDO_2_2") || claimsCtap23(config);
}

export function claimsCtap23(config: AuthenticatorConfig): boolean {
  return config.versions.includes("FIDO_2_3");
}

export function aaguidFromString(uuid: string): Uint8Array {
  const hex = uuid.replace(/-/g, "");
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new RangeError(`AAGUID must be a UUID, got "${uuid}"`);
  return Uint8Array.from(Buffer.from(hex, "hex"));
}

export function aaguidToString(aaguid: Uint8Array): string {
  const hex = Buffer.from(aaguid).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function defaultAuthenticatorConfig(overrides: Partial<AuthenticatorConfig> = {}): AuthenticatorConfig {
  return {
    aaguid: aaguidFromString(SOFTKEY_AAGUID),
    algorithms: DEFAULT_ALGORITHMS,
    attestationFormat: "packed",
    maxMsgSize: 7609,
    maxCredentialCountInList: 16,
    maxCredentialIdLength: 128,
    maxDiscoverableCredentials: 100_000,
    transports: ["usb"],
    firmwareVersion: 1,
    resetWindowMs: 10_000,
    userActionTimeoutMs: 30_000,
    getNextAssertionTimeoutMs: 30_000,
    optionalFeatures: ["largeBlobs", "credMgmt", "authnrCfg", "setMinPINLength"],
    extraInfo: { maxSerializedLargeBlobArray: 4096, maxCredBlobLength: 32, maxRPIDsForSetMinPINLength: 8 },
    ctap2: true,
    versions: ["FIDO_2_0", "FIDO_2_1"],
    u2f: false,
    counter: "per-credential",
    backupEligible: false,
    backupState: false,
    platformDevice: false,
    residentKeys: true,
    faults: NO_FAULTS,
    bogusSignature: "flipped",
    requestCbor: "canonical",
    attestationFormats: ["packed", "none"],
    longTouchForReset: false,
    maxPinLength: 63,
    vendorPrototypeConfigCommands: [],
    ...overrides,
  };
}
