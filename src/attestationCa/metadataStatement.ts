/**
 * A FIDO Metadata Service v3 metadata statement (FIDO Metadata Statement
 * v3.0, section 4) for the emulated model: what an RP loads, with
 * attestationRootCertificates, to trust exactly this AAGUID and this CA. The
 * authenticatorGetInfo member is the device's own getInfo answer, with the
 * CTAP names MDS uses, describing the model rather than this unit's state
 * (no PIN set, enterprise attestation disabled, no remaining-credentials count).
 */
import { memberKey, memberName } from "../ctap/messages/getInfo.js";

export interface MetadataStatementInput {
  aaguid: string;
  description?: string;
  /** The decoded authenticatorGetInfo response map (integer keys). */
  getInfo: ReadonlyMap<number | string, unknown>;
  /** The root certificate, DER. */
  rootCertificate: Uint8Array;
}

/** The getInfo members MDS carries: CTAP 2.1's, and CTAP 2.2's up to longTouchForReset (0x18). */
const LAST_MDS_MEMBER = memberKey("longTouchForReset");

/** Members that describe this unit now, not the model. */
const UNIT_STATE = new Set(["forcePINChange", "remainingDiscoverableCredentials", "uvCountSinceLastPinEntry"]);

/** COSE algorithm to FIDO Registry ALG_SIGN names (section 3.6.1). */
const ALG_SIGN: Record<number, string> = {
  [-7]: "secp256r1_ecdsa_sha256_raw",
  [-8]: "ed25519_eddsa_sha512_raw",
  [-35]: "secp384r1_ecdsa_sha384_raw",
  [-36]: "secp521r1_ecdsa_sha512_raw",
  [-37]: "rsassa_pss_sha256_raw",
  [-47]: "secp256k1_ecdsa_sha256_raw",
  [-257]: "rsassa_pkcsv15_sha256_raw",
};

/** CTAP versions to MDS upv for protocolFamily "fido2". */
const UPV: Record<string, { major: number; minor: number }> = {
  FIDO_2_0: { major: 1, minor: 0 },
  FIDO_2_1_PRE: { major: 1, minor: 1 },
  FIDO_2_1: { major: 1, minor: 1 },
  FIDO_2_2: { major: 1, minor: 2 },
};

export type MetadataStatement = Record<string, unknown>;

export function metadataStatement(input: MetadataStatementInput): MetadataStatement {
  const info = getInfoJson(input.getInfo);
  const options = (info.options ?? {}) as Record<string, boolean>;
  const versions = (info.versions ?? []) as string[];
  const algorithms = ((info.algorithms ?? []) as { alg: number }[]).map((a) => a.alg);
  const transports = (info.transports ?? []) as string[];
  const upv = [...new Map(versions.filter((v) => UPV[v]).map((v) => [JSON.stringify(UPV[v]), UPV[v]!])).values()];
  upv.sort((a, b) => b.major - a.major || b.minor - a.minor);

  return {
    legalHeader: "softkey test metadata for an emulated authenticator: not FIDO Certified, for test relying parties only.",
    aaguid: input.aaguid,
    description: input.description ?? "softkey emulated FIDO2 authenticator",
    authenticatorVersion: typeof info.firmwareVersion === "number" ? info.firmwareVersion : 1,
    protocolFamily: "fido2",
    schema: 3,
    upv: upv.length > 0 ? upv : [{ major: 1, minor: 0 }],
    authenticationAlgorithms: [...new Set(algorithms.map((alg) => ALG_SIGN[alg]).filter((name): name is string => name !== undefined))],
    publicKeyAlgAndEncodings: ["cose"],
    attestationTypes: ["basic_full"],
    userVerificationDetails: userVerificationDetails(options, typeof info.minPINLength === "number" ? info.minPINLength : 4),
    keyProtection: ["software"],
    matcherProtection: ["software"],
    cryptoStrength: 128,
    attachmentHint: attachmentHint(transports, options.plat === true),
    tcDisplay: [],
    attestationRootCertificates: [Buffer.from(input.rootCertificate).toString("base64")],
    ...(Array.isArray(info.extensions) && info.extensions.length > 0
      ? { supportedExtensions: (info.extensions as string[]).map((id) => ({ id, fail_if_unknown: false })) }
      : {}),
    authenticatorGetInfo: info,
  };
}

/** getInfo as MDS carries it: member names, the AAGUID as 32 hex digits, the model's defaults for unit state. */
function getInfoJson(getInfo: ReadonlyMap<number | string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of getInfo) {
    const name = typeof key === "number" && key <= LAST_MDS_MEMBER ? memberName(key) : undefined;
    if (name === undefined || UNIT_STATE.has(name)) continue;
    out[name] = toJson(value);
  }
  if (typeof out.aaguid === "string") out.aaguid = out.aaguid.replace(/-/g, "");
  const options = out.options as Record<string, unknown> | undefined;
  if (options) {
    // As shipped: ClientPIN supported but no PIN set; enterprise attestation capable but disabled.
    if ("clientPin" in options) options.clientPin = false;
    if ("ep" in options) options.ep = false;
  }
  return out;
}

function toJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString("hex");
  if (Array.isArray(value)) return value.map(toJson);
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) out[String(k)] = toJson(v);
    return out;
  }
  if (typeof value === "bigint") return Number(value);
  return value;
}

function userVerificationDetails(options: Record<string, boolean>, minPinLength: number): unknown[] {
  const presence = { userVerificationMethod: "presence_internal" };
  const details: unknown[] = [[presence]];
  if ("clientPin" in options) {
    const passcode = { userVerificationMethod: "passcode_external", caDesc: { base: 10, minLength: minPinLength, maxRetries: 8, blockSlowdown: 0 } };
    details.push([passcode], [presence, passcode]);
  }
  // Built-in UV of an emulated key: described as the fingerprint sensor such security keys have.
  if ("uv" in options) details.push([{ userVerificationMethod: "fingerprint_internal" }]);
  return details;
}

function attachmentHint(transports: string[], platform: boolean): string[] {
  const hints = new Set<string>([platform ? "internal" : "external"]);
  for (const transport of transports) {
    if (transport === "usb") hints.add("wired");
    if (transport === "nfc") hints.add("nfc").add("wireless");
    if (transport === "ble") hints.add("bluetooth").add("wireless");
  }
  return [...hints];
}
