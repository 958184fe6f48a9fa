/**
 * The store and the device as `softkey info --json` and the HTTP service's
 * GET /v1/info show them, including the authenticator's own
 * authenticatorGetInfo answer decoded with the spec's names.
 */
import type { Softkey } from "./softkey.js";
import { decodeCbor, type CborValue } from "./ctap2/cbor.js";
import { statusName, Status } from "./ctap2/status.js";
import { aaguidToString } from "./ctap2/authenticatorConfig.js";
import { algorithmName } from "./crypto/cose.js";

const AUTHENTICATOR_GET_INFO = 0x04;

/** authenticatorGetInfo response member names (CTAP 2.1 section 6.4, plus those CTAP 2.2 added). */
const GET_INFO_MEMBERS: Record<number, string> = {
  0x01: "versions",
  0x02: "extensions",
  0x03: "aaguid",
  0x04: "options",
  0x05: "maxMsgSize",
  0x06: "pinUvAuthProtocols",
  0x07: "maxCredentialCountInList",
  0x08: "maxCredentialIdLength",
  0x09: "transports",
  0x0a: "algorithms",
  0x0b: "maxSerializedLargeBlobArray",
  0x0c: "forcePINChange",
  0x0d: "minPINLength",
  0x0e: "firmwareVersion",
  0x0f: "maxCredBlobLength",
  0x10: "maxRPIDsForSetMinPINLength",
  0x11: "preferredPlatformUvAttempts",
  0x12: "uvModality",
  0x13: "certifications",
  0x14: "remainingDiscoverableCredentials",
  0x15: "vendorPrototypeConfigCommands",
  0x16: "attestationFormats",
  0x17: "uvCountSinceLastPinEntry",
  0x18: "longTouchForReset",
  0x19: "encIdentifier",
  0x1a: "transportsForReset",
  0x1b: "pinComplexityPolicy",
  0x1c: "pinComplexityPolicyURL",
  0x1d: "maxPINLength",
};

export interface StoreInfo {
  store: string;
  profile: string;
  aaguid: string;
  attestation: string;
  kdf: { algorithm: "scrypt"; N: number; r: number; p: number };
  credentials: { total: number; discoverable: number; relyingParties: number; corrupted: number };
  getInfo: Record<string, unknown>;
}

export async function collectInfo(softkey: Softkey): Promise<StoreInfo> {
  // A CTAP1/U2F-only device (a profile without getInfo) has no authenticatorGetInfo to ask.
  const getInfo = softkey.profile.getInfo ? await readGetInfo(softkey) : {};
  const { credentials, corrupted } = await softkey.listCredentials();
  const { scrypt } = softkey.keystore;
  return {
    store: softkey.keystore.dir,
    profile: softkey.profile.name,
    aaguid: softkey.device.aaguid,
    attestation: softkey.device.attestation,
    kdf: { algorithm: "scrypt", N: scrypt.N, r: scrypt.r, p: scrypt.p },
    credentials: {
      total: credentials.length + corrupted.length,
      discoverable: credentials.filter((c) => c.discoverable).length,
      relyingParties: new Set(credentials.map((c) => c.rpId)).size,
      corrupted: corrupted.length,
    },
    getInfo,
  };
}

async function readGetInfo(softkey: Softkey): Promise<Record<string, unknown>> {
  const answer = await softkey.authenticator.transact(Uint8Array.of(AUTHENTICATOR_GET_INFO));
  if (answer[0] !== Status.CTAP2_OK) throw new Error(`authenticatorGetInfo failed: ${statusName(answer[0] ?? Status.CTAP1_ERR_OTHER)}`);
  const decoded = decodeCbor(answer.subarray(1));
  if (!(decoded instanceof Map)) throw new Error("authenticatorGetInfo did not answer with a CBOR map");
  const getInfo: Record<string, unknown> = {};
  for (const [key, value] of decoded) {
    const name = typeof key === "number" ? (GET_INFO_MEMBERS[key] ?? `0x${key.toString(16).padStart(2, "0")}`) : key;
    getInfo[name] = presentMember(name, value);
  }
  return getInfo;
}

/** A getInfo member as plain JSON: the AAGUID as a UUID, algorithms with their names, bytes in hex. */
function presentMember(name: string, value: CborValue): unknown {
  if (name === "aaguid" && value instanceof Uint8Array && value.length === 16) return aaguidToString(value);
  if (name === "algorithms" && Array.isArray(value)) {
    return value.map((entry) => {
      const plain = toPlain(entry) as Record<string, unknown>;
      return typeof plain.alg === "number" ? { ...plain, name: algorithmName(plain.alg) } : plain;
    });
  }
  return toPlain(value);
}

function toPlain(value: CborValue): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString("hex");
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (Array.isArray(value)) return value.map(toPlain);
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) out[String(k)] = toPlain(v);
    return out;
  }
  if (value !== null && typeof value === "object") return `(${value.kind})`;
  return value;
}
